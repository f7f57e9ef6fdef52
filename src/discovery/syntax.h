#pragma once
// Internal: small helpers over tree-sitter nodes shared by the readers of a module's
// syntax tree (module_model.cc, conftest_facts.cc, doctest_items.cc).

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <tree_sitter/api.h>

namespace fastest::discovery {

inline std::string_view type_of(TSNode n) { return ts_node_type(n); }

inline TSNode field(TSNode n, const char* name) {
  return ts_node_child_by_field_name(n, name, static_cast<std::uint32_t>(std::strlen(name)));
}

inline std::string_view node_text(TSNode n, std::string_view src) {
  return src.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
}

inline int node_line(TSNode n) { return static_cast<int>(ts_node_start_point(n).row) + 1; }

template <class F>
void for_each_named_child(TSNode n, F&& f) {
  TSTreeCursor c = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&c)) {
    do {
      TSNode child = ts_tree_cursor_current_node(&c);
      if (ts_node_is_named(child)) f(child);
    } while (ts_tree_cursor_goto_next_sibling(&c));
  }
  ts_tree_cursor_delete(&c);
}

/// Every node of the subtree in source order (pre-order), `f(node)` returning false skips
/// the node's children.
template <class F>
void for_each_descendant(TSNode root, F&& f) {
  TSTreeCursor c = ts_tree_cursor_new(root);
  for (bool more = true; more;) {
    bool enter = f(ts_tree_cursor_current_node(&c));
    if (enter && ts_tree_cursor_goto_first_child(&c)) continue;
    while (!ts_tree_cursor_goto_next_sibling(&c)) {
      if (!ts_tree_cursor_goto_parent(&c)) {
        more = false;
        break;
      }
    }
  }
  ts_tree_cursor_delete(&c);
}

/// The value of a str literal (`string`, or a `concatenated_string` of them) with its escapes
/// decoded; nullopt for f-strings, bytes and anything else.
std::optional<std::string> string_value(TSNode n, std::string_view src);

/// The docstring of a module, class or function body (`block`/`module` node), if its first
/// statement is a str literal.
std::optional<std::string> docstring_of(TSNode body, std::string_view src);

}  // namespace fastest::discovery
