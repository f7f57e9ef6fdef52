#pragma once
// Small text helpers the reporters share.

#include <algorithm>
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

/// The crash message of a formatted traceback: the first line of its last block of "E   "
/// lines, without the indent a long-format frame gives it ("" if none). pytest's short
/// summary shows the first line of the crash message, which opens that block.
inline std::string crash_message(std::string_view traceback) {
  std::string_view msg;
  bool in_block = false;
  for (std::size_t pos = 0; pos < traceback.size();) {
    std::size_t end = traceback.find('\n', pos);
    if (end == std::string_view::npos) end = traceback.size();
    std::string_view line = traceback.substr(pos, end - pos);
    bool e_line = line.rfind("E   ", 0) == 0;
    if (e_line && !in_block) msg = line.substr(4);
    in_block = e_line;
    pos = end + 1;
  }
  msg.remove_prefix(std::min(msg.size(), msg.find_first_not_of(' ')));
  return std::string(msg);
}

/// Display width of UTF-8 text, one column per code point (pytest uses wcwidth; close enough
/// for the ids and messages it trims).
inline std::size_t text_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// pytest's TerminalWriter.sep: `title` between runs of `fill` across `width` columns, one
/// shorter on the left (the odd column goes right); unpainted, without the line break.
inline std::string sep_line(const std::string& title, char fill, int width) {
  const int n = std::max((width - static_cast<int>(text_width(title)) - 2) / 2, 1);
  const std::string fill_s(static_cast<std::size_t>(n), fill);
  std::string line = fill_s + " " + title + " " + fill_s;
  if (static_cast<int>(text_width(line)) + 1 <= width) line += fill;
  return line;
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
