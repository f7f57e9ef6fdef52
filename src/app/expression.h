#pragma once
// pytest's -k / -m match expressions (_pytest/mark/expression.py):
//   expression: expr? EOF
//   expr:       and_expr ('or' and_expr)*
//   and_expr:   not_expr ('and' not_expr)*
//   not_expr:   'not' not_expr | '(' expr ')' | ident
//   ident:      (\w|:|\+|-|\.|\[|\]|\\|/)+
// An empty expression matches nothing when evaluated (pytest never evaluates it).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/test_item.h"

namespace fastest::app {

class MatchExpression {
 public:
  /// Error(usage) "at column N: expected not OR left parenthesis OR identifier; got
  /// end of input" (pytest's text; 1-based column in characters).
  static base::Result<MatchExpression> compile(std::string_view input);

  /// Evaluates with `matcher(ident)` deciding each identifier.
  bool evaluate(const std::function<bool(const std::string&)>& matcher) const;

  /// Three-valued (Kleene) evaluation: `matcher` says yes, no or maybe per identifier.
  enum class Truth : std::uint8_t { no, maybe, yes };
  Truth evaluate3(const std::function<Truth(const std::string&)>& matcher) const;

  struct Node;

 private:
  std::shared_ptr<const Node> m_root;  ///< null: the empty expression (false)
};

/// -k and -m over statically discovered items (`--collect-only --static`), as pytest's
/// KeywordMatcher / MarkMatcher judge them with what discovery knows: -k matches a
/// substring (case-insensitive) of the names of the item and its parents (function,
/// classes, module path) and of its markers; -m matches marker names exactly.
/// Parametrize ids are not known statically.
class StaticSelection {
 public:
  /// The messages are pytest's: "Wrong expression passed to '-k': <expr>: at column ...".
  static base::Result<StaticSelection> make(const std::string& keyword, const std::string& markexpr);
  bool selects(const base::TestItem& item) const;
  /// True only when pytest is certain to deselect the item whatever runtime adds: names and
  /// markers discovery saw are present at runtime too, while any other identifier may still
  /// match (a parametrize id, an extra keyword, a marker added by a conftest) and is unknown.
  /// `-m "not slow"` on a test marked slow: true. `-m slow` on an unmarked test: false.
  bool surely_deselects(const base::TestItem& item) const;

 private:
  std::optional<MatchExpression> m_keyword, m_mark;
};

}  // namespace fastest::app
