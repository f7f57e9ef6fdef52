#include "app/expression.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace fastest::app {

struct MatchExpression::Node {
  enum class Kind { ident, op_not, op_and, op_or } kind;
  std::string ident;
  std::shared_ptr<const Node> a, b;
};

namespace {

using NodePtr = std::shared_ptr<const MatchExpression::Node>;
using Kind = MatchExpression::Node::Kind;

enum class Tok { lparen, rparen, op_or, op_and, op_not, ident, eof };

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::lparen:
      return "left parenthesis";
    case Tok::rparen:
      return "right parenthesis";
    case Tok::op_or:
      return "or";
    case Tok::op_and:
      return "and";
    case Tok::op_not:
      return "not";
    case Tok::ident:
      return "identifier";
    case Tok::eof:
      return "end of input";
  }
  return "?";
}

struct Token {
  Tok type = Tok::eof;
  std::string value;
  std::size_t pos = 0;  ///< in characters
};

struct ParseFailure {
  std::size_t column;
  std::string message;
};

// Python's \w is Unicode-aware: every non-ASCII byte is taken as part of a word
// (letters and digits of other scripts), which is what real test names contain.
bool ident_char(unsigned char c) {
  return c >= 0x80 || std::isalnum(c) || c == '_' || c == ':' || c == '+' || c == '-' || c == '.' || c == '[' ||
         c == ']' || c == '\\' || c == '/';
}

/// A lazy lexer, as pytest's generator: an unexpected character is reported only when
/// the parser gets that far.
class Scanner {
 public:
  explicit Scanner(std::string_view in) : m_in(in) { m_current = lex(); }
  const Token& current() const { return m_current; }

  bool accept(Tok t) {
    if (m_current.type != t) return false;
    if (t != Tok::eof) m_current = lex();
    return true;
  }
  void expect(Tok t) {
    if (!accept(t)) reject({t});
  }
  [[noreturn]] void reject(std::initializer_list<Tok> expected) const {
    std::string msg = "expected ";
    bool first = true;
    for (Tok t : expected) {
      msg += (first ? "" : " OR ") + std::string(tok_name(t));
      first = false;
    }
    throw ParseFailure{m_current.pos + 1, msg + "; got " + tok_name(m_current.type)};
  }

 private:
  Token lex() {
    while (m_byte < m_in.size() && (m_in[m_byte] == ' ' || m_in[m_byte] == '\t')) advance(1);
    if (m_byte >= m_in.size()) return {Tok::eof, "", m_chars};
    char c = m_in[m_byte];
    Token t{Tok::ident, "", m_chars};
    if (c == '(' || c == ')') {
      t.type = c == '(' ? Tok::lparen : Tok::rparen;
      t.value = std::string(1, c);
      advance(1);
      return t;
    }
    std::size_t end = m_byte;
    while (end < m_in.size() && ident_char(static_cast<unsigned char>(m_in[end]))) ++end;
    if (end == m_byte) {
      std::size_t len = 1;
      while (m_byte + len < m_in.size() && (static_cast<unsigned char>(m_in[m_byte + len]) & 0xC0) == 0x80) ++len;
      throw ParseFailure{m_chars + 1, "unexpected character \"" + std::string(m_in.substr(m_byte, len)) + "\""};
    }
    t.value = std::string(m_in.substr(m_byte, end - m_byte));
    if (t.value == "or") t.type = Tok::op_or;
    if (t.value == "and") t.type = Tok::op_and;
    if (t.value == "not") t.type = Tok::op_not;
    advance(end - m_byte);
    return t;
  }
  void advance(std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i, ++m_byte)
      if ((static_cast<unsigned char>(m_in[m_byte]) & 0xC0) != 0x80) ++m_chars;
  }

  std::string_view m_in;
  std::size_t m_byte = 0, m_chars = 0;
  Token m_current;
};

NodePtr make(Kind k, NodePtr a, NodePtr b = nullptr) {
  return std::make_shared<const MatchExpression::Node>(MatchExpression::Node{k, "", std::move(a), std::move(b)});
}

NodePtr expr(Scanner& s);

NodePtr not_expr(Scanner& s) {
  if (s.accept(Tok::op_not)) return make(Kind::op_not, not_expr(s));
  if (s.accept(Tok::lparen)) {
    NodePtr e = expr(s);
    s.expect(Tok::rparen);
    return e;
  }
  if (s.current().type == Tok::ident) {
    auto n = std::make_shared<MatchExpression::Node>(MatchExpression::Node{Kind::ident, s.current().value, {}, {}});
    s.accept(Tok::ident);
    return n;
  }
  s.reject({Tok::op_not, Tok::lparen, Tok::ident});
}

NodePtr and_expr(Scanner& s) {
  NodePtr left = not_expr(s);
  while (s.accept(Tok::op_and)) left = make(Kind::op_and, left, not_expr(s));
  return left;
}

NodePtr expr(Scanner& s) {
  NodePtr left = and_expr(s);
  while (s.accept(Tok::op_or)) left = make(Kind::op_or, left, and_expr(s));
  return left;
}

bool eval(const MatchExpression::Node& n, const std::function<bool(const std::string&)>& m) {
  switch (n.kind) {
    case Kind::ident:
      return m(n.ident);
    case Kind::op_not:
      return !eval(*n.a, m);
    case Kind::op_and:
      return eval(*n.a, m) && eval(*n.b, m);
    case Kind::op_or:
      return eval(*n.a, m) || eval(*n.b, m);
  }
  return false;
}

using Truth = MatchExpression::Truth;

Truth eval3(const MatchExpression::Node& n, const std::function<Truth(const std::string&)>& m) {
  switch (n.kind) {
    case Kind::ident:
      return m(n.ident);
    case Kind::op_not: {
      const Truth a = eval3(*n.a, m);
      return a == Truth::maybe ? a : (a == Truth::yes ? Truth::no : Truth::yes);
    }
    case Kind::op_and: {
      const Truth a = eval3(*n.a, m);
      return a == Truth::no ? a : std::min(a, eval3(*n.b, m));
    }
    case Kind::op_or: {
      const Truth a = eval3(*n.a, m);
      return a == Truth::yes ? a : std::max(a, eval3(*n.b, m));
    }
  }
  return Truth::maybe;
}

}  // namespace

base::Result<MatchExpression> MatchExpression::compile(std::string_view input) {
  MatchExpression e;
  try {
    Scanner s(input);
    if (!s.accept(Tok::eof)) {
      e.m_root = expr(s);
      s.expect(Tok::eof);
    }
  } catch (const ParseFailure& f) {
    return base::make_error(base::ErrorCode::usage, "at column " + std::to_string(f.column) + ": " + f.message);
  }
  return e;
}

bool MatchExpression::evaluate(const std::function<bool(const std::string&)>& matcher) const {
  return m_root && eval(*m_root, matcher);
}

MatchExpression::Truth MatchExpression::evaluate3(const std::function<Truth(const std::string&)>& matcher) const {
  return m_root ? eval3(*m_root, matcher) : Truth::no;
}

base::Result<StaticSelection> StaticSelection::make(const std::string& keyword, const std::string& markexpr) {
  StaticSelection sel;
  std::string k = keyword.substr(std::min(keyword.size(), keyword.find_first_not_of(" \t\n\r\f\v")));
  if (!k.empty()) {
    auto e = MatchExpression::compile(k);
    if (!e.ok())
      return base::make_error(base::ErrorCode::usage,
                              "ERROR: Wrong expression passed to '-k': " + k + ": " + e.error().message);
    sel.m_keyword = std::move(e).value();
  }
  if (!markexpr.empty()) {
    auto e = MatchExpression::compile(markexpr);
    if (!e.ok())
      return base::make_error(base::ErrorCode::usage,
                              "ERROR: Wrong expression passed to '-m': " + markexpr + ": " + e.error().message);
    sel.m_mark = std::move(e).value();
  }
  return sel;
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The item's class chain ("A::B" -> "A", "B") and its markers, appended to `names`.
void add_classes_and_markers(const base::TestItem& item, std::vector<std::string>& names) {
  for (std::size_t b = 0; !item.cls.empty() && b <= item.cls.size();) {
    std::size_t e = std::min(item.cls.find("::", b), item.cls.size());
    names.push_back(item.cls.substr(b, e - b));
    b = e + 2;
  }
  for (const auto& m : item.markers) names.push_back(m);
}

/// What pytest's KeywordMatcher collects for an item, lower-cased: the node names of
/// its chain (module path and its parts, classes, function), markers, and "pytestmark"
/// (a marked function carries that attribute, and pytest adds the function's __dict__).
std::vector<std::string> keyword_names(const base::TestItem& item) {
  const std::string& file = item.file;
  std::vector<std::string> names{file, item.function};
  for (std::size_t b = 0; b <= file.size();) {
    std::size_t e = std::min(file.find('/', b), file.size());
    names.push_back(file.substr(b, e - b));
    b = e + 1;
  }
  add_classes_and_markers(item, names);
  if (!item.markers.empty()) names.push_back("pytestmark");
  for (auto& n : names) n = lower(std::move(n));
  return names;
}

/// The names of keyword_names that are surely among pytest's at runtime: the function (a
/// substring of its parametrized name), its classes, the module's file name and the markers.
/// Directories are nodes only when they are packages, and "pytestmark" is in the function's
/// __dict__ only when the function itself is marked, so those count as unknown.
std::vector<std::string> sure_keyword_names(const base::TestItem& item) {
  const std::string& file = item.file;
  std::vector<std::string> names{item.function, file.substr(file.rfind('/') + 1)};
  add_classes_and_markers(item, names);
  for (auto& n : names) n = lower(std::move(n));
  return names;
}

}  // namespace

bool StaticSelection::surely_deselects(const base::TestItem& item) const {
  using Truth = MatchExpression::Truth;
  if (m_keyword) {
    const auto names = sure_keyword_names(item);
    const Truth t = m_keyword->evaluate3([&](const std::string& ident) {
      const std::string sub = lower(ident);
      return std::any_of(names.begin(), names.end(),
                         [&](const std::string& n) { return n.find(sub) != std::string::npos; })
                 ? Truth::yes
                 : Truth::maybe;
    });
    if (t == Truth::no) return true;
  }
  if (m_mark) {
    const Truth t = m_mark->evaluate3([&](const std::string& ident) {
      return std::find(item.markers.begin(), item.markers.end(), ident) != item.markers.end() ? Truth::yes
                                                                                              : Truth::maybe;
    });
    if (t == Truth::no) return true;
  }
  return false;
}

bool StaticSelection::selects(const base::TestItem& item) const {
  if (m_keyword) {
    auto names = keyword_names(item);
    bool ok = m_keyword->evaluate([&](const std::string& ident) {
      std::string sub = lower(ident);
      return std::any_of(names.begin(), names.end(),
                         [&](const std::string& n) { return n.find(sub) != std::string::npos; });
    });
    if (!ok) return false;
  }
  if (m_mark) {
    return m_mark->evaluate([&](const std::string& ident) {
      return std::find(item.markers.begin(), item.markers.end(), ident) != item.markers.end();
    });
  }
  return true;
}

}  // namespace fastest::app
