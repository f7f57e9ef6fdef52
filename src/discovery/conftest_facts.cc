// What a conftest.py says without importing it: hooks, _pytest imports, pytest_plugins and
// its collect_ignore / collect_ignore_glob lists, evaluated as far as they are literal.
#include "discovery/conftest_facts.h"

#include <algorithm>

#include "discovery/syntax.h"

namespace fastest::discovery {

bool ConftestFacts::defines(std::string_view hook) const {
  return std::find(hooks.begin(), hooks.end(), hook) != hooks.end();
}

namespace {

constexpr int k_max_depth = 128;

bool is_compound(std::string_view t) {
  return t == "if_statement" || t == "try_statement" || t == "with_statement" || t == "for_statement" ||
         t == "while_statement" || t == "match_statement";
}

void add_unique(std::vector<std::string>& into, std::string name) {
  if (std::find(into.begin(), into.end(), name) == into.end()) into.push_back(std::move(name));
}

// The statement-by-statement reading of one list name (collect_ignore / collect_ignore_glob).
class ListReader {
 public:
  explicit ListReader(IgnoreSpec& spec) : m_spec(spec) {}

  void assign(std::optional<std::vector<std::string>> value, bool conditional) {
    ++consumed;
    if (conditional) {
      demote();
      if (value) append(m_spec.maybe, *value);
      if (!value) m_spec.dynamic = true;
      if (m_spec.defined == IgnoreSpec::Defined::no) m_spec.defined = IgnoreSpec::Defined::maybe;
      return;
    }
    m_spec.defined = IgnoreSpec::Defined::yes;
    m_spec.certain = value ? *value : std::vector<std::string>{};
    m_spec.maybe.clear();
    m_spec.dynamic = !value;
  }

  void add(std::optional<std::vector<std::string>> value, bool conditional) {
    ++consumed;
    if (!value) return unknown();
    append(conditional ? m_spec.maybe : m_spec.certain, *value);
  }

  // A use discovery does not understand (a removal, a call with it, an import of it...).
  void unknown() {
    demote();
    m_spec.dynamic = true;
    if (m_spec.defined == IgnoreSpec::Defined::no) m_spec.defined = IgnoreSpec::Defined::maybe;
  }

  int consumed = 0;

 private:
  static void append(std::vector<std::string>& into, const std::vector<std::string>& value) {
    into.insert(into.end(), value.begin(), value.end());
  }
  void demote() {
    append(m_spec.maybe, m_spec.certain);
    m_spec.certain.clear();
  }
  IgnoreSpec& m_spec;
};

class FactsReader {
 public:
  explicit FactsReader(std::string_view src)
      : m_src(src), m_ignore(m_facts.collect_ignore), m_ignore_glob(m_facts.collect_ignore_glob) {}

  ConftestFacts read(TSNode root) {
    body(root, false, 0);
    scan_everything(root);
    return std::move(m_facts);
  }

 private:
  std::string_view text(TSNode n) const { return node_text(n, m_src); }

  ListReader* list_named(std::string_view name) {
    if (name == "collect_ignore") return &m_ignore;
    if (name == "collect_ignore_glob") return &m_ignore_glob;
    return nullptr;
  }

  void body(TSNode block, bool conditional, int depth) {
    if (depth > k_max_depth) return;
    for_each_named_child(block, [&](TSNode stmt) { statement(stmt, conditional, depth); });
  }

  void statement(TSNode stmt, bool conditional, int depth) {
    std::string_view t = type_of(stmt);
    if (t == "function_definition") {
      bind(text(field(stmt, "name")), true);
    } else if (t == "decorated_definition") {
      decorated(stmt);
    } else if (t == "expression_statement") {
      for_each_named_child(stmt, [&](TSNode e) { expression(e, conditional); });
    } else if (t == "import_from_statement" || t == "import_statement") {
      imported_names(stmt);
    } else if (is_compound(t)) {
      // Every block of a compound statement may or may not run (a condition, an exception).
      for_each_named_child(stmt, [&](TSNode child) {
        std::string_view ct = type_of(child);
        if (ct == "block") body(child, true, depth + 1);
        if (ct.ends_with("_clause") || ct == "case_clause") clause(child, depth + 1);
      });
    }
  }

  void clause(TSNode c, int depth) {
    if (depth > k_max_depth) return;
    for_each_named_child(c, [&](TSNode child) {
      if (type_of(child) == "block") body(child, true, depth + 1);
    });
  }

  void decorated(TSNode node) {
    TSNode def = field(node, "definition");
    if (ts_node_is_null(def) || type_of(def) != "function_definition") return;
    std::string_view name = text(field(def, "name"));
    bind(name, true);
    if (!name.starts_with("pytest_")) return;
    for_each_named_child(node, [&](TSNode d) {
      if (type_of(d) == "decorator" && ts_node_named_child_count(d) > 0 && is_wrapper(ts_node_named_child(d, 0)))
        add_unique(m_facts.wrapper_hooks, std::string(name));
    });
  }

  // @pytest.hookimpl(hookwrapper=True) / @hookimpl(wrapper=True) (pluggy 1.1+).
  bool is_wrapper(TSNode expr) const {
    if (type_of(expr) != "call") return false;
    TSNode fn = field(expr, "function");
    std::string_view name = type_of(fn) == "attribute" ? text(field(fn, "attribute")) : text(fn);
    if (name != "hookimpl") return false;
    bool wrapper = false;
    for_each_named_child(field(expr, "arguments"), [&](TSNode arg) {
      if (type_of(arg) != "keyword_argument") return;
      std::string_view key = text(field(arg, "name"));
      if ((key == "hookwrapper" || key == "wrapper") && type_of(field(arg, "value")) == "true") wrapper = true;
    });
    return wrapper;
  }

  void bind(std::string_view name, bool routine) {
    if (routine && name.starts_with("pytest_") && name != "pytest_plugins")
      add_unique(m_facts.hooks, std::string(name));
  }

  void imported_names(TSNode stmt) {
    for_each_named_child(stmt, [&](TSNode n) {
      if (ts_node_eq(n, field(stmt, "module_name"))) return;
      if (type_of(n) == "aliased_import") {
        bind(text(field(n, "alias")), true);
      } else if (type_of(n) == "dotted_name" && ts_node_named_child_count(n) > 0) {
        // `import a.b` binds `a`; `from m import name` binds `name`.
        bind(text(ts_node_named_child(n, type_of(stmt) == "import_statement" ? 0 : ts_node_named_child_count(n) - 1)),
             true);
      }
    });
  }

  void expression(TSNode e, bool conditional) {
    std::string_view t = type_of(e);
    if (t == "assignment") {
      TSNode left = field(e, "left"), right = field(e, "right");
      if (type_of(left) != "identifier" || ts_node_is_null(right)) return;
      std::string_view name = text(left);
      if (ListReader* r = list_named(name)) return r->assign(list_literal(right), conditional);
      if (name == "pytest_plugins") return plugins(right);
      std::string_view rt = type_of(right);
      bind(name, rt == "identifier" || rt == "attribute" || rt == "call" || rt == "lambda");
    } else if (t == "augmented_assignment") {
      TSNode left = field(e, "left");
      ListReader* r = type_of(left) == "identifier" ? list_named(text(left)) : nullptr;
      if (!r) return;
      bool plus = text(field(e, "operator")) == "+=";
      r->add(plus ? list_literal(field(e, "right")) : std::nullopt, conditional);
    } else if (t == "call") {
      method_call(e, conditional);
    }
  }

  // collect_ignore.append("x") / .extend([...]) / .insert(0, "x").
  void method_call(TSNode call, bool conditional) {
    TSNode fn = field(call, "function");
    if (type_of(fn) != "attribute") return;
    TSNode object = field(fn, "object");
    ListReader* r = type_of(object) == "identifier" ? list_named(text(object)) : nullptr;
    if (!r) return;
    std::string_view method = text(field(fn, "attribute"));
    TSNode args = field(call, "arguments");
    std::uint32_t n = ts_node_named_child_count(args);
    std::optional<std::vector<std::string>> value;
    if (method == "append" && n == 1) {
      if (auto s = string_value(ts_node_named_child(args, 0), m_src)) value = std::vector<std::string>{*s};
    } else if (method == "extend" && n == 1) {
      value = list_literal(ts_node_named_child(args, 0));
    } else if (method == "insert" && n == 2) {
      if (auto s = string_value(ts_node_named_child(args, 1), m_src)) value = std::vector<std::string>{*s};
    }
    if (value) return r->add(std::move(value), conditional);
    // Not understood: leave it to the whole-file count, which makes the list dynamic.
  }

  // [..] / (..) of str literals, and `+` of such; nullopt for anything else.
  std::optional<std::vector<std::string>> list_literal(TSNode n) const {
    std::string_view t = type_of(n);
    if (t == "parenthesized_expression" && ts_node_named_child_count(n) == 1 &&
        type_of(ts_node_named_child(n, 0)) != "string")
      return list_literal(ts_node_named_child(n, 0));
    if (t == "binary_operator" && text(field(n, "operator")) == "+") {
      auto a = list_literal(field(n, "left")), b = list_literal(field(n, "right"));
      if (!a || !b) return std::nullopt;
      a->insert(a->end(), b->begin(), b->end());
      return a;
    }
    if (t != "list" && t != "tuple") return std::nullopt;
    std::vector<std::string> out;
    bool ok = true;
    for_each_named_child(n, [&](TSNode item) {
      if (type_of(item) == "comment") return;
      auto s = ok ? string_value(item, m_src) : std::nullopt;
      if (s) {
        out.push_back(std::move(*s));
      } else {
        ok = false;
      }
    });
    return ok ? std::optional<std::vector<std::string>>(std::move(out)) : std::nullopt;
  }

  void plugins(TSNode right) {
    m_facts.pytest_plugins.clear();
    if (auto s = string_value(right, m_src)) {
      m_facts.pytest_plugins.push_back(std::move(*s));
    } else if (auto l = list_literal(right)) {
      m_facts.pytest_plugins = std::move(*l);
    } else {
      m_facts.pytest_plugins_dynamic = true;
    }
  }

  // Whole-file facts: _pytest imports at any depth, and uses of the ignore lists that the
  // statement reader did not account for (in functions, removals, imports of the name...).
  void scan_everything(TSNode root) {
    int ignore_uses = 0, glob_uses = 0;
    for_each_descendant(root, [&](TSNode n) {
      std::string_view t = type_of(n);
      if (t == "import_statement" || t == "import_from_statement") check_internal_import(n);
      if (t != "identifier") return true;
      std::string_view name = text(n);
      if (name != "collect_ignore" && name != "collect_ignore_glob") return true;
      TSNode parent = ts_node_parent(n);
      // `obj.collect_ignore` is another object's attribute, not the conftest's global.
      if (type_of(parent) == "attribute" && ts_node_eq(field(parent, "attribute"), n)) return true;
      ++(name == "collect_ignore" ? ignore_uses : glob_uses);
      return true;
    });
    if (ignore_uses > m_ignore.consumed) m_ignore.unknown();
    if (glob_uses > m_ignore_glob.consumed) m_ignore_glob.unknown();
  }

  void check_internal_import(TSNode stmt) {
    auto internal = [&](TSNode dotted) {
      return type_of(dotted) == "dotted_name" && ts_node_named_child_count(dotted) > 0 &&
             text(ts_node_named_child(dotted, 0)) == "_pytest";
    };
    if (type_of(stmt) == "import_from_statement") {
      if (internal(field(stmt, "module_name"))) m_facts.imports_pytest_internals = true;
      return;
    }
    for_each_named_child(stmt, [&](TSNode n) {
      if (internal(n) || (type_of(n) == "aliased_import" && internal(field(n, "name"))))
        m_facts.imports_pytest_internals = true;
    });
  }

  std::string_view m_src;
  ConftestFacts m_facts;
  ListReader m_ignore, m_ignore_glob;
};

// The cache's line format: "key\tvalue", values with '\\', '\t' and '\n' escaped.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string unescape_value(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char e = s[++i];
    out.push_back(e == 't' ? '\t' : e == 'n' ? '\n' : e);
  }
  return out;
}

constexpr std::string_view k_format = "conftest-facts 1";

void encode_spec(std::string& out, std::string_view key, const IgnoreSpec& spec) {
  out.append(key).append(".defined\t").append(std::to_string(static_cast<int>(spec.defined))).append("\n");
  for (const auto& c : spec.certain) out.append(key).append(".certain\t").append(escape(c)).append("\n");
  for (const auto& m : spec.maybe) out.append(key).append(".maybe\t").append(escape(m)).append("\n");
  if (spec.dynamic) out.append(key).append(".dynamic\t1\n");
}

bool decode_spec(std::string_view key, const std::string& value, IgnoreSpec& spec) {
  if (key == "defined") {
    if (value != "0" && value != "1" && value != "2") return false;
    spec.defined = static_cast<IgnoreSpec::Defined>(value[0] - '0');
  } else if (key == "certain") {
    spec.certain.push_back(value);
  } else if (key == "maybe") {
    spec.maybe.push_back(value);
  } else if (key == "dynamic") {
    spec.dynamic = true;
  } else {
    return false;
  }
  return true;
}

bool decode_line(std::string_view key, const std::string& value, ConftestFacts& f) {
  if (key == "hook")
    f.hooks.push_back(value);
  else if (key == "wrapper")
    f.wrapper_hooks.push_back(value);
  else if (key == "internals")
    f.imports_pytest_internals = true;
  else if (key == "plugin")
    f.pytest_plugins.push_back(value);
  else if (key == "plugins_dynamic")
    f.pytest_plugins_dynamic = true;
  else if (key == "error")
    f.error = true;
  else if (key.starts_with("collect_ignore_glob."))
    return decode_spec(key.substr(20), value, f.collect_ignore_glob);
  else if (key.starts_with("collect_ignore."))
    return decode_spec(key.substr(15), value, f.collect_ignore);
  else
    return false;
  return true;
}

}  // namespace

ConftestFacts read_conftest_facts(TSNode root, std::string_view source) { return FactsReader(source).read(root); }

std::string encode_conftest_facts(const ConftestFacts& f) {
  std::string out(k_format);
  out += "\n";
  for (const auto& h : f.hooks) out.append("hook\t").append(escape(h)).append("\n");
  for (const auto& h : f.wrapper_hooks) out.append("wrapper\t").append(escape(h)).append("\n");
  if (f.imports_pytest_internals) out += "internals\t1\n";
  for (const auto& p : f.pytest_plugins) out.append("plugin\t").append(escape(p)).append("\n");
  if (f.pytest_plugins_dynamic) out += "plugins_dynamic\t1\n";
  if (f.error) out += "error\t1\n";
  encode_spec(out, "collect_ignore", f.collect_ignore);
  encode_spec(out, "collect_ignore_glob", f.collect_ignore_glob);
  return out;
}

std::optional<ConftestFacts> decode_conftest_facts(std::string_view text) {
  if (!text.starts_with(k_format) || text.size() == k_format.size() || text[k_format.size()] != '\n')
    return std::nullopt;
  ConftestFacts f;
  for (std::size_t pos = k_format.size() + 1; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos || !decode_line(line.substr(0, tab), unescape_value(line.substr(tab + 1)), f))
      return std::nullopt;
  }
  return f;
}

}  // namespace fastest::discovery
