#pragma once
// Small text helpers the reporters share.

#include <cstdio>
#include <string>
#include <string_view>

namespace fastest::report {

inline std::string first_line(std::string_view s) { return std::string(s.substr(0, s.find('\n'))); }

/// Terminal output must stay readable whatever a test printed: control bytes are escaped.
inline std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\n' || c == '\t' || c >= 0x20) {
      out += c == 0x7f ? '?' : static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

/// The crash message of a formatted traceback: its last "E   " line ("" if none).
inline std::string crash_message(std::string_view traceback) {
  std::string msg;
  if (traceback.rfind("E   ", 0) == 0) msg = first_line(traceback.substr(4));
  for (std::size_t p = 0; (p = traceback.find("\nE   ", p)) != std::string_view::npos; ++p)
    msg = first_line(traceback.substr(p + 5));
  return msg;
}

/// Display width of UTF-8 text, one column per code point (pytest uses wcwidth; close enough
/// for the ids and messages it trims).
inline std::size_t text_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// The first `cols` code points of `s`.
inline std::string_view text_prefix(std::string_view s, std::size_t cols) {
  std::size_t i = 0, n = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == cols) break;
      ++n;
    }
    ++i;
  }
  return s.substr(0, i);
}

/// pytest's _format_trimmed: `format` (with one "{}") around the first line of `msg`, cut
/// with "..." to fit `available` columns; "" when not even "..." fits.
inline std::string format_trimmed(std::string_view prefix, std::string_view suffix, std::string_view msg,
                                  int available) {
  std::string m = first_line(msg);
  const int frame = static_cast<int>(text_width(prefix) + text_width(suffix));
  if (frame + 3 > available) return "";
  if (frame + static_cast<int>(text_width(m)) > available) {
    m = std::string(text_prefix(m, static_cast<std::size_t>(available - 3 - frame))) + "...";
  }
  return std::string(prefix) + m + std::string(suffix);
}

}  // namespace fastest::report
