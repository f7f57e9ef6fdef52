#pragma once
// A fake terminal for display tests: records the bytes and plays them on a small screen
// model (\r, \n, ESC[nA, ESC[J, ESC[K; SGR codes are dropped), so a test can assert on
// what a user would see and on the escape sequences written.

#include <string>
#include <string_view>
#include <vector>

#include "report/live_display.h"

namespace fastest::report {

class FakeTerminal final : public TerminalDevice {
 public:
  explicit FakeTerminal(int columns = 80) : m_columns(columns) {}
  void write(std::string_view bytes) override {
    m_bytes.append(bytes);
    ++m_writes;
    play(bytes);
  }
  int columns() override { return m_columns; }
  void resize(int columns) { m_columns = columns; }

  const std::string& bytes() const { return m_bytes; }
  std::size_t writes() const { return m_writes; }
  /// Screen rows from the first line written, trailing empty rows dropped.
  std::vector<std::string> screen() const {
    auto rows = m_rows;
    while (!rows.empty() && rows.back().empty()) rows.pop_back();
    return rows;
  }
  std::string screen_text() const {
    std::string out;
    for (const auto& r : screen()) out += r + "\n";
    return out;
  }

 private:
  void put(char c) {
    if (m_rows.size() <= m_row) m_rows.resize(m_row + 1);
    auto& line = m_rows[m_row];
    if (line.size() < m_col) line.resize(m_col, ' ');
    if (m_col < line.size())
      line[m_col] = c;
    else
      line += c;
    ++m_col;
  }
  void play(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\r') {
        m_col = 0;
      } else if (c == '\n') {
        ++m_row;
        m_col = 0;
        if (m_rows.size() <= m_row) m_rows.resize(m_row + 1);
      } else if (c == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
        std::size_t j = i + 2;
        int n = 0;
        bool any = false;
        while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';' || s[j] == '?')) {
          if (s[j] >= '0' && s[j] <= '9') n = n * 10 + (s[j] - '0'), any = true;
          ++j;
        }
        if (j >= s.size()) break;
        char cmd = s[j];
        if (cmd == 'A') m_row -= std::min<std::size_t>(m_row, any ? static_cast<std::size_t>(n) : 1);
        if (cmd == 'J') {
          if (m_row < m_rows.size()) {
            m_rows[m_row].resize(std::min(m_rows[m_row].size(), m_col));
            m_rows.resize(m_row + 1);
          }
        }
        if (cmd == 'K' && m_row < m_rows.size()) m_rows[m_row].resize(std::min(m_rows[m_row].size(), m_col));
        i = j;
      } else {
        put(c);
      }
    }
  }

  int m_columns;
  std::string m_bytes;
  std::size_t m_writes = 0;
  std::vector<std::string> m_rows;
  std::size_t m_row = 0, m_col = 0;
};

}  // namespace fastest::report
