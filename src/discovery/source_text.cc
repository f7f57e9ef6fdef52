// CPython's source decoding rules (Parser/tokenizer.c): NUL bytes, the BOM, PEP 263.
#include "discovery/source_text.h"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace fastest::discovery {
namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

std::string_view line_at(std::string_view s, std::size_t& pos) {
  std::size_t end = s.find('\n', pos);
  end = end == std::string_view::npos ? s.size() : end + 1;
  std::string_view line = s.substr(pos, end - pos);
  pos = end;
  return line;
}

// A comment-only or blank line; only then may the second line carry the cookie.
bool blank_or_comment(std::string_view line) {
  for (char c : line) {
    if (c == '#' || c == '\n' || c == '\r') return true;
    if (c != ' ' && c != '\t' && c != '\f') return false;
  }
  return true;
}

// get_coding_spec(): the line must be a comment; "coding[:=]\s*name".
std::optional<std::string> coding_spec(std::string_view line) {
  std::size_t hash = 0;
  while (hash < line.size() && (line[hash] == ' ' || line[hash] == '\t' || line[hash] == '\f')) ++hash;
  if (hash >= line.size() || line[hash] != '#') return std::nullopt;
  for (std::size_t i = line.find("coding", hash); i != std::string_view::npos; i = line.find("coding", i + 1)) {
    std::size_t t = i + 6;
    if (t >= line.size() || (line[t] != ':' && line[t] != '=')) continue;
    do ++t;
    while (t < line.size() && (line[t] == ' ' || line[t] == '\t'));
    std::size_t begin = t;
    while (t < line.size() &&
           (std::isalnum(static_cast<unsigned char>(line[t])) || line[t] == '-' || line[t] == '_' || line[t] == '.'))
      ++t;
    if (t > begin) return std::string(line.substr(begin, t - begin));
  }
  return std::nullopt;
}

// get_normal_name() plus the codec aliases Python accepts for the two common cases.
std::string normal_name(std::string name) {
  for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "utf-8" || name.starts_with("utf-8-") || name == "utf8") return "utf-8";
  for (std::string_view l1 : {"latin-1", "iso-8859-1", "iso-latin-1", "latin1", "l1", "iso8859-1"}) {
    if (name == l1 || name.starts_with(std::string(l1) + "-")) return "iso-8859-1";
  }
  return name;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// Any other declared codec goes through glibc's iconv, whose names mostly agree with Python's.
std::optional<SourceProblem> transcode(std::string_view s, const std::string& encoding, std::string& out) {
  iconv_t cd = iconv_open("UTF-8", encoding.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return SourceProblem{1, "unknown encoding: " + encoding};
  out.assign(s.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(s.data());
  std::size_t in_left = s.size(), out_left = out.size();
  char* dst = out.data();
  std::size_t rc = iconv(cd, &in, &in_left, &dst, &out_left);
  iconv_close(cd);
  if (rc == static_cast<std::size_t>(-1)) {
    std::size_t at = s.size() - in_left;
    return SourceProblem{line_of(s, at), "'" + encoding + "' codec can't decode the source"};
  }
  out.resize(out.size() - out_left);
  return std::nullopt;
}

std::string hex_byte(unsigned char c) {
  static constexpr char k_digits[] = "0123456789abcdef";
  return std::string("\\x") + k_digits[c >> 4] + k_digits[c & 0xF];
}

std::optional<SourceProblem> check_utf8(std::string_view text, bool declared, std::string_view rel_path) {
  std::size_t bad = first_invalid_utf8(text);
  if (bad == std::string_view::npos) return std::nullopt;
  int line = line_of(text, bad);
  std::string byte = hex_byte(static_cast<unsigned char>(text[bad]));
  if (declared) return SourceProblem{line, "(unicode error) 'utf-8' codec can't decode byte " + byte};
  return SourceProblem{line, "Non-UTF-8 code starting with '" + byte + "' in file " + std::string(rel_path) +
                                 " on line " + std::to_string(line) +
                                 ", but no encoding declared; see https://peps.python.org/pep-0263/ for details"};
}

}  // namespace

int line_of(std::string_view s, std::size_t offset) {
  offset = std::min(offset, s.size());
  return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::size_t first_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    // Eight ASCII bytes at a time: the common case for source code.
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > n) return i;
    unsigned char c1 = p[i + 1];
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (c1 < lo || c1 > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

DecodedSource decode_source(std::string_view raw, std::string& storage, std::string_view rel_path) {
  // An empty file's view may have no data pointer at all: memchr must not see it (UBSan).
  if (const void* nul = raw.empty() ? nullptr : std::memchr(raw.data(), '\0', raw.size())) {
    auto at = static_cast<std::size_t>(static_cast<const char*>(nul) - raw.data());
    return {raw, SourceProblem{line_of(raw, at), "source code cannot contain null bytes"}};
  }
  bool bom = raw.starts_with(k_bom);
  std::string_view text = bom ? raw.substr(k_bom.size()) : raw;
  std::size_t pos = 0;
  std::string_view first = line_at(text, pos);
  std::optional<std::string> cookie = coding_spec(first);
  if (!cookie && blank_or_comment(first)) cookie = coding_spec(line_at(text, pos));
  std::string encoding = cookie ? normal_name(*cookie) : "utf-8";
  if (bom && encoding != "utf-8") return {text, SourceProblem{1, "encoding problem: " + *cookie + " with BOM"}};
  if (encoding == "utf-8") return {text, check_utf8(text, cookie.has_value(), rel_path)};
  if (encoding == "iso-8859-1") {
    storage = latin1_to_utf8(text);
    return {storage, std::nullopt};
  }
  std::optional<SourceProblem> problem = transcode(text, encoding, storage);
  return {problem ? text : std::string_view(storage), problem};
}

}  // namespace fastest::discovery
