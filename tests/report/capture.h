#pragma once
// What a reporter printed: a FILE* backed by memory.

#include <cstdio>
#include <cstdlib>
#include <string>

namespace fastest::report {

class Capture {
 public:
  Capture() { m_file = open_memstream(&m_buf, &m_size); }
  ~Capture() {
    if (m_file) std::fclose(m_file);
    std::free(m_buf);
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::FILE* file() { return m_file; }
  std::string text() {
    std::fflush(m_file);
    return std::string(m_buf, m_size);
  }

 private:
  std::FILE* m_file = nullptr;
  char* m_buf = nullptr;
  std::size_t m_size = 0;
};

}  // namespace fastest::report
