#include "discovery/conftest_options.h"

#include <tree_sitter/api.h>

#include <cstring>
#include <memory>
#include <optional>

extern "C" const TSLanguage* tree_sitter_python();

namespace fastest::discovery {
namespace {

struct Scan {
  std::string_view src;
  ScannedOptions out;

  std::string text(TSNode n) const {
    return std::string(src.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n)));
  }

  /// A plain string literal's value ('x', "x", r"x"); nullopt for f-strings and the rest.
  std::optional<std::string> literal(TSNode n) const {
    if (std::strcmp(ts_node_type(n), "string") != 0) return std::nullopt;
    std::string t = text(n);
    std::size_t q = t.find_first_of("'\"");
    if (q == std::string::npos || t.substr(0, q).find_first_of("fF") != std::string::npos) return std::nullopt;
    std::size_t quote_len = t.compare(q, 3, std::string(3, t[q])) == 0 ? 3 : 1;
    if (t.size() < q + 2 * quote_len) return std::nullopt;
    return t.substr(q + quote_len, t.size() - q - 2 * quote_len);
  }

  static std::string nargs_for_action(const std::string& action) {
    for (const char* flag : {"store_true", "store_false", "count", "store_const", "append_const", "help", "version"})
      if (action == flag) return "0";
    return "";
  }

  void on_call(TSNode call) {
    TSNode fn = ts_node_child_by_field_name(call, "function", 8);
    if (ts_node_is_null(fn) || std::strcmp(ts_node_type(fn), "attribute") != 0) return;
    TSNode attr = ts_node_child_by_field_name(fn, "attribute", 9);
    if (ts_node_is_null(attr)) return;
    std::string method = text(attr);
    bool is_option = method == "addoption" || method == "_addoption";
    if (!is_option && method != "addini") return;
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    if (ts_node_is_null(args)) return;
    ScannedOption opt;
    opt.line = static_cast<int>(ts_node_start_point(call).row) + 1;
    std::string action, nargs;
    for (std::uint32_t i = 0; i < ts_node_named_child_count(args); ++i) {
      TSNode a = ts_node_named_child(args, i);
      if (std::strcmp(ts_node_type(a), "keyword_argument") == 0) {
        std::string key = text(ts_node_child_by_field_name(a, "name", 4));
        TSNode value = ts_node_child_by_field_name(a, "value", 5);
        if (key == "action") action = literal(value).value_or("custom");
        if (key == "nargs") nargs = literal(value).value_or(text(value));
        continue;
      }
      if (auto s = literal(a)) opt.names.push_back(*s);
    }
    if (!is_option) {
      if (!opt.names.empty()) out.ini_names.push_back(opt.names[0]);
      return;
    }
    // addoption's positional strings are the option names; help goes by keyword.
    std::erase_if(opt.names, [](const std::string& n) { return n.empty() || n[0] != '-'; });
    if (opt.names.empty()) return;
    opt.nargs = nargs.empty() ? nargs_for_action(action) : nargs;
    out.options.push_back(std::move(opt));
  }

  void walk(TSNode root) {
    TSTreeCursor c = ts_tree_cursor_new(root);
    for (;;) {
      TSNode n = ts_tree_cursor_current_node(&c);
      if (std::strcmp(ts_node_type(n), "call") == 0) on_call(n);
      if (ts_tree_cursor_goto_first_child(&c)) continue;
      while (!ts_tree_cursor_goto_next_sibling(&c)) {
        if (!ts_tree_cursor_goto_parent(&c)) {
          ts_tree_cursor_delete(&c);
          return;
        }
      }
    }
  }
};

}  // namespace

ScannedOptions scan_conftest_options(std::string_view source) {
  Scan scan{source, {}};
  TSParser* parser = ts_parser_new();
  if (!ts_parser_set_language(parser, tree_sitter_python())) {
    ts_parser_delete(parser);
    return {};
  }
  TSTree* tree = ts_parser_parse_string(parser, nullptr, source.data(), static_cast<std::uint32_t>(source.size()));
  if (tree) {
    scan.walk(ts_tree_root_node(tree));
    ts_tree_delete(tree);
  }
  ts_parser_delete(parser);
  return std::move(scan.out);
}

}  // namespace fastest::discovery
