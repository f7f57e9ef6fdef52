// str literals as CPython evaluates them, for docstrings and conftest lists.
#include "discovery/syntax.h"

#include <cctype>

namespace fastest::discovery {
namespace {

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

unsigned long hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned long>(c - '0');
  return static_cast<unsigned long>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}

// Decodes the escapes of a non-raw str body; \N{...} becomes '?' (its name table is not
// worth carrying: no doctest or path rule depends on the character).
std::string unescape(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 == body.size()) {
      out.push_back(c);
      continue;
    }
    char e = body[++i];
    auto hex = [&](std::size_t digits) {
      unsigned long cp = 0;
      std::size_t k = 0;
      for (; k < digits && i + 1 < body.size() && std::isxdigit(static_cast<unsigned char>(body[i + 1])); ++k)
        cp = cp * 16 + hex_digit(body[++i]);
      append_utf8(out, cp);
    };
    switch (e) {
      case '\n':
        break;  // line continuation
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case '\\':
      case '\'':
      case '"':
        out.push_back(e);
        break;
      case 'x':
        hex(2);
        break;
      case 'u':
        hex(4);
        break;
      case 'U':
        hex(8);
        break;
      case 'N': {
        auto close = body.find('}', i);
        i = close == std::string_view::npos ? body.size() - 1 : close;
        out.push_back('?');
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          unsigned long cp = static_cast<unsigned long>(e - '0');
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
            cp = cp * 8 + static_cast<unsigned long>(body[++i] - '0');
          append_utf8(out, cp);
        } else {
          out.push_back('\\');  // unknown escapes stay as written
          out.push_back(e);
        }
    }
  }
  return out;
}

std::optional<std::string> one_string(std::string_view text) {
  std::size_t q = text.find_first_of("'\"");
  if (q == std::string_view::npos) return std::nullopt;
  bool raw = false;
  for (char p : text.substr(0, q)) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(p)));
    if (l == 'f' || l == 'b') return std::nullopt;
    if (l == 'r') raw = true;
  }
  std::string_view rest = text.substr(q);
  std::size_t quote = rest.size() >= 6 && rest.substr(0, 3) == std::string(3, rest[0]) ? 3 : 1;
  if (rest.size() < 2 * quote) return std::nullopt;
  std::string_view body = rest.substr(quote, rest.size() - 2 * quote);
  return raw ? std::string(body) : unescape(body);
}

}  // namespace

std::optional<std::string> string_value(TSNode n, std::string_view src) {
  std::string_view t = type_of(n);
  if (t == "string") return one_string(node_text(n, src));
  if (t == "parenthesized_expression" && ts_node_named_child_count(n) == 1)
    return string_value(ts_node_named_child(n, 0), src);
  if (t != "concatenated_string") return std::nullopt;
  std::string out;
  bool ok = true;
  for_each_named_child(n, [&](TSNode part) {
    auto v = ok ? string_value(part, src) : std::nullopt;
    if (v) {
      out += *v;
    } else {
      ok = false;
    }
  });
  return ok ? std::optional<std::string>(std::move(out)) : std::nullopt;
}

std::optional<std::string> docstring_of(TSNode body, std::string_view src) {
  for (std::uint32_t i = 0; i < ts_node_named_child_count(body); ++i) {
    TSNode stmt = ts_node_named_child(body, i);
    if (type_of(stmt) == "comment") continue;
    if (type_of(stmt) != "expression_statement" || ts_node_named_child_count(stmt) != 1) return std::nullopt;
    return string_value(ts_node_named_child(stmt, 0), src);
  }
  return std::nullopt;
}

}  // namespace fastest::discovery
