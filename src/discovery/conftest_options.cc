#include "discovery/conftest_options.h"

#include <tree_sitter/api.h>

#include "discovery/syntax.h"

extern "C" const TSLanguage* tree_sitter_python();

namespace fastest::discovery {
namespace {

std::string nargs_for_action(const std::string& action) {
  for (const char* flag : {"store_true", "store_false", "count", "store_const", "append_const", "help", "version"})
    if (action == flag) return "0";
  return "";
}

/// One `x.addoption(...)` / `x._addoption(...)` / `x.addini(...)` call.
void on_call(TSNode call, std::string_view src, ScannedOptions& out) {
  TSNode fn = field(call, "function");
  if (ts_node_is_null(fn) || type_of(fn) != "attribute") return;
  TSNode attr = field(fn, "attribute");
  TSNode args = field(call, "arguments");
  if (ts_node_is_null(attr) || ts_node_is_null(args)) return;
  std::string_view method = node_text(attr, src);
  bool is_option = method == "addoption" || method == "_addoption";
  if (!is_option && method != "addini") return;
  ScannedOption opt;
  opt.line = node_line(call);
  std::string action, nargs;
  for_each_named_child(args, [&](TSNode a) {
    if (type_of(a) == "keyword_argument") {
      std::string_view key = node_text(field(a, "name"), src);
      TSNode value = field(a, "value");
      if (key == "action") action = string_value(value, src).value_or("custom");
      if (key == "nargs") nargs = string_value(value, src).value_or(std::string(node_text(value, src)));
    } else if (auto s = string_value(a, src)) {
      opt.names.push_back(*s);
    }
  });
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

/// `pytest_plugins = "a"` or `= ["a", "b"]` (a tuple too).
void on_assignment(TSNode a, std::string_view src, ScannedOptions& out) {
  TSNode left = field(a, "left"), right = field(a, "right");
  if (ts_node_is_null(left) || ts_node_is_null(right) || node_text(left, src) != "pytest_plugins") return;
  if (auto one = string_value(right, src)) {
    out.pytest_plugins.push_back(*one);
    return;
  }
  if (type_of(right) != "list" && type_of(right) != "tuple") return;
  for_each_named_child(right, [&](TSNode el) {
    if (auto v = string_value(el, src)) out.pytest_plugins.push_back(*v);
  });
}

}  // namespace

ScannedOptions scan_conftest_options(std::string_view source) {
  ScannedOptions out;
  TSParser* parser = ts_parser_new();
  if (ts_parser_set_language(parser, tree_sitter_python())) {
    if (TSTree* tree =
            ts_parser_parse_string(parser, nullptr, source.data(), static_cast<std::uint32_t>(source.size()))) {
      for_each_descendant(ts_tree_root_node(tree), [&](TSNode n) {
        if (type_of(n) == "call") on_call(n, source, out);
        if (type_of(n) == "assignment") on_assignment(n, source, out);
        return true;
      });
      ts_tree_delete(tree);
    }
  }
  ts_parser_delete(parser);
  return out;
}

}  // namespace fastest::discovery
