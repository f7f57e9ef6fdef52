// Python's fnmatch.fnmatch (POSIX: case-sensitive, '*' also matches '/'), pytest's
// fnmatch_ex and its prefix-or-glob name rule.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "discovery/discovery.h"
#include "discovery/patterns.h"

namespace fastest::discovery {
namespace {

// Code points, so that '?' and '[...]' consume one character as Python's str does.
// Invalid UTF-8 bytes map to themselves (0x80..0xFF), which keeps matching total.
std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len <= 1 || i + len > s.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    char32_t cp = c & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

char32_t code_point(char c) { return static_cast<unsigned char>(c); }
char32_t code_point(char32_t c) { return c; }

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Matches the set starting at pattern[p] == '['. Returns false in `closed` when the
// '[' has no closing ']' (Python then treats it as a literal '[').
// Text is a sequence of code points: a u32string, or a string_view of ASCII bytes.
template <class Text>
bool match_set(const Text& pat, std::size_t& p, char32_t ch, bool& closed) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pat.size() && pat[i] == '!') negate = true, ++i;
  std::size_t first = i;
  bool hit = false;
  while (i < pat.size() && (pat[i] != ']' || i == first)) {
    char32_t lo = code_point(pat[i]), hi = lo;
    if (i + 2 < pat.size() && pat[i + 1] == '-' && pat[i + 2] != ']') {
      hi = code_point(pat[i + 2]);
      i += 3;
    } else {
      ++i;
    }
    if (lo <= ch && ch <= hi) hit = true;
  }
  closed = i < pat.size();
  if (!closed) return false;
  p = i + 1;
  return hit != negate;
}

template <class Text>
bool match(const Text& name, const Text& pat) {
  const std::size_t none = static_cast<std::size_t>(-1);
  std::size_t n = 0, p = 0;
  std::size_t star_p = none, star_n = 0;
  while (n < name.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star_p = ++p;
      star_n = n;
      continue;
    }
    if (p < pat.size()) {
      if (pat[p] == '?') {
        ++p, ++n;
        continue;
      }
      if (pat[p] == '[') {
        std::size_t q = p;
        bool closed = true;
        if (match_set(pat, q, code_point(name[n]), closed)) {
          p = q, ++n;
          continue;
        }
        if (!closed && name[n] == '[') {
          ++p, ++n;
          continue;
        }
      } else if (pat[p] == name[n]) {
        ++p, ++n;
        continue;
      }
    }
    if (star_p == none) return false;
    p = star_p;
    n = ++star_n;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

}  // namespace

bool fnmatch(std::string_view name_utf8, std::string_view pattern_utf8) {
  // ASCII bytes are their own code points: match them in place (the walk asks this for
  // every file; decoding allocated two strings per call).
  if (is_ascii(name_utf8) && is_ascii(pattern_utf8)) return match(name_utf8, pattern_utf8);
  return match(decode(name_utf8), decode(pattern_utf8));
}

bool fnmatch_ex(std::string_view pattern, std::string_view path) {
  if (pattern.find('/') == std::string_view::npos) {
    auto slash = path.rfind('/');
    return fnmatch(slash == std::string_view::npos ? path : path.substr(slash + 1), pattern);
  }
  // pytest anchors a relative pattern at any directory of an absolute path.
  if (!path.empty() && path.front() == '/' && pattern.front() != '/') {
    return fnmatch(path, "*/" + std::string(pattern));
  }
  return fnmatch(path, pattern);
}

bool matches_prefix_or_glob(std::string_view name, const std::vector<std::string>& options) {
  for (const std::string& option : options) {
    if (name.starts_with(option)) return true;
    bool glob = option.find_first_of("*?[") != std::string::npos;
    if (glob && fnmatch(name, option)) return true;
  }
  return false;
}

}  // namespace fastest::discovery
