#pragma once
// Expected failures as values: Result<T> holds either a T or an Error.

#include <string>
#include <utility>
#include <variant>

namespace fastest::base {

/// Broad classes of expected failure; the CLI maps them to exit codes.
enum class ErrorCode : int {
  usage = 1,        ///< bad flag or config value (exit 4)
  io = 2,           ///< file could not be read or written
  parse = 3,        ///< malformed input file
  database = 4,     ///< store failure (corrupt, foreign, locked)
  protocol = 5,     ///< worker sent something we did not understand
  internal = 6,     ///< a bug in fastest (exit 3)
  interrupted = 7,  ///< Ctrl-C / SIGTERM (exit 2)
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

/// Either a value or an Error. Cheap to move; check ok() before value().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(m_v); }

 private:
  std::variant<T, Error> m_v;
};

/// Result of an operation with no value.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace fastest::base
