#pragma once
// An immutable string shared by reference count: copying one costs no allocation.

#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

namespace fastest::base {

/// Immutable text held once and shared by every copy (a module path that each of its
/// 10 or 10,000 test items names: one allocation per module instead of one per item).
/// Reads as a `const std::string&`; compares equal to any string of the same text.
class SharedString {
 public:
  SharedString() = default;
  SharedString(std::string s) : m_s(s.empty() ? nullptr : std::make_shared<const std::string>(std::move(s))) {}
  SharedString(std::string_view s) : SharedString(std::string(s)) {}
  SharedString(const char* s) : SharedString(std::string(s)) {}

  const std::string& str() const { return m_s ? *m_s : empty_string(); }
  operator const std::string&() const { return str(); }
  operator std::string_view() const { return str(); }
  const char* c_str() const { return str().c_str(); }
  std::size_t size() const { return str().size(); }
  bool empty() const { return str().empty(); }

  friend bool operator==(const SharedString& a, const SharedString& b) { return a.m_s == b.m_s || a.str() == b.str(); }
  friend bool operator==(const SharedString& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, const char* b) { return a.str() == b; }

 private:
  static const std::string& empty_string();
  std::shared_ptr<const std::string> m_s;
};

std::ostream& operator<<(std::ostream& os, const SharedString& s);

}  // namespace fastest::base
