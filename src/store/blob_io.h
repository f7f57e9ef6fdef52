#pragma once
// Internal to the store: varints and length-prefixed strings for the blobs it keeps
// (item_blob.h, history_snapshot.h). Reading is bounds-checked: the bytes are untrusted.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace fastest::store {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

inline void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

/// 8 bytes, little-endian (the store's hosts all are).
inline void put_double(std::string& out, double v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

/// Reads from a blob; any overrun sets `bad` and yields zeros / empty strings.
class BlobReader {
 public:
  explicit BlobReader(std::string_view b) : m_b(b) {}
  bool bad() const { return m_bad; }
  bool done() const { return m_pos == m_b.size(); }
  std::size_t left() const { return m_b.size() - m_pos; }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (m_pos >= m_b.size()) break;
      const auto c = static_cast<unsigned char>(m_b[m_pos++]);
      v |= static_cast<std::uint64_t>(c & 0x7F) << shift;
      if (!(c & 0x80)) return v;
    }
    m_bad = true;
    return 0;
  }

  /// The next `n` bytes.
  std::string_view bytes(std::uint64_t n) {
    if (m_bad || n > left()) {
      m_bad = true;
      return {};
    }
    std::string_view s = m_b.substr(m_pos, n);
    m_pos += n;
    return s;
  }

  std::string_view string() { return bytes(varint()); }

  double float64() {
    double v = 0;
    const std::string_view b = bytes(sizeof v);
    if (!m_bad) std::memcpy(&v, b.data(), sizeof v);
    return v;
  }

 private:
  std::string_view m_b;
  std::size_t m_pos = 0;
  bool m_bad = false;
};

}  // namespace fastest::store
