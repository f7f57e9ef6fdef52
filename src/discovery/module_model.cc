// Reads a module's top-level and class-level bindings from the tree-sitter tree.
// Function bodies are never entered: what they define is invisible to pytest.
#include "discovery/module_model.h"

#include "discovery/syntax.h"

#include <algorithm>
#include <cstring>

namespace fastest::discovery {

Binding& Namespace::bind(Binding b) {
  auto [it, fresh] = index.try_emplace(b.name, bindings.size());
  if (fresh) return bindings.emplace_back(std::move(b));
  return bindings[it->second] = std::move(b);
}

const Binding* Namespace::find(std::string_view name) const {
  auto it = index.find(std::string(name));
  return it == index.end() ? nullptr : &bindings[it->second];
}

namespace {

// Python refuses more than 100 indentation levels; deeper trees are garbage.
constexpr int k_max_depth = 128;

Binding other_binding(std::string_view name) {
  Binding b;
  b.name = std::string(name);
  return b;
}

bool is_clause(std::string_view t) {
  return t == "elif_clause" || t == "else_clause" || t == "except_clause" || t == "except_group_clause" ||
         t == "finally_clause";
}

bool is_compound(std::string_view t) {
  return t == "if_statement" || t == "try_statement" || t == "with_statement" || t == "for_statement" ||
         t == "while_statement";
}

struct DecoratorInfo {
  std::vector<std::string> marks;
  std::vector<std::string> params;
  bool fixture = false;
  bool not_callable = false;
};

class ModelBuilder {
 public:
  explicit ModelBuilder(std::string_view source) : m_src(source) {}

  ModuleModel build(TSNode root) {
    walk_body(root, m_model.body, /*module_level=*/true, 0);
    return std::move(m_model);
  }

 private:
  std::string_view text(TSNode n) const { return node_text(n, m_src); }
  static int line(TSNode n) { return node_line(n); }

  void walk_body(TSNode block, Namespace& ns, bool module_level, int depth) {
    if (depth > k_max_depth) return;
    for_each_named_child(block, [&](TSNode stmt) { statement(stmt, ns, module_level, depth); });
  }

  void walk_compound(TSNode node, Namespace& ns, bool module_level, int depth) {
    for_each_named_child(node, [&](TSNode child) {
      std::string_view t = type_of(child);
      if (t == "block") walk_body(child, ns, module_level, depth + 1);
      if (is_clause(t)) walk_compound(child, ns, module_level, depth + 1);
    });
  }

  void statement(TSNode stmt, Namespace& ns, bool module_level, int depth) {
    std::string_view t = type_of(stmt);
    if (t == "function_definition" || t == "class_definition") {
      definition(stmt, DecoratorInfo{}, ns, depth);
    } else if (t == "decorated_definition") {
      decorated(stmt, ns, depth);
    } else if (t == "expression_statement") {
      for_each_named_child(stmt, [&](TSNode e) {
        if (type_of(e) == "assignment") assignment(e, ns, module_level);
      });
    } else if (is_compound(t)) {
      walk_compound(stmt, ns, module_level, depth);
    }
  }

  void decorated(TSNode node, Namespace& ns, int depth) {
    DecoratorInfo info;
    for_each_named_child(node, [&](TSNode child) {
      if (type_of(child) == "decorator" && ts_node_named_child_count(child) > 0) {
        read_decorator(ts_node_named_child(child, 0), info);
      }
    });
    TSNode def = field(node, "definition");
    if (!ts_node_is_null(def)) definition(def, info, ns, depth);
  }

  void definition(TSNode def, DecoratorInfo info, Namespace& ns, int depth) {
    TSNode name = field(def, "name");
    if (ts_node_is_null(name)) return;
    Binding b;
    b.name = std::string(text(name));
    b.line = line(def);
    b.marks = std::move(info.marks);
    b.params = std::move(info.params);
    b.fixture = info.fixture;
    b.not_callable = info.not_callable;
    if (type_of(def) == "class_definition") {
      b.kind = Binding::Kind::klass;
      b.class_index = build_class(def, b.name, ns, depth);
      ClassModel& cls = m_model.classes[static_cast<std::size_t>(b.class_index)];
      cls.marks = b.marks;
      cls.params = b.params;
    } else {
      b.kind = Binding::Kind::function;
    }
    ns.bind(std::move(b));
  }

  int build_class(TSNode def, const std::string& name, const Namespace& scope, int depth) {
    ClassModel cls;
    cls.name = name;
    TSNode bases = field(def, "superclasses");
    if (!ts_node_is_null(bases)) {
      for_each_named_child(bases, [&](TSNode base) { add_base(base, scope, cls); });
    }
    TSNode body = field(def, "body");
    if (!ts_node_is_null(body)) walk_body(body, cls.body, /*module_level=*/false, depth + 1);
    m_model.classes.push_back(std::move(cls));
    return static_cast<int>(m_model.classes.size() - 1);
  }

  void add_base(TSNode base, const Namespace& scope, ClassModel& cls) {
    std::string_view t = type_of(base);
    if (t == "identifier") {
      std::string_view name = text(base);
      const Binding* b = scope.find(name);
      if (!b || b->kind != Binding::Kind::klass) b = m_model.body.find(name);
      if (b && b->kind == Binding::Kind::klass) {
        cls.local_bases.push_back(b->class_index);
      } else if (name.ends_with("TestCase")) {
        cls.testcase_base = true;
      }
    } else if (t == "attribute") {
      TSNode attr = field(base, "attribute");
      if (!ts_node_is_null(attr) && text(attr).ends_with("TestCase")) cls.testcase_base = true;
    }
  }

  // "pytest.mark.slow(...)" -> {"pytest", "mark", "slow"}; empty when not a dotted name.
  std::vector<std::string_view> dotted(TSNode n) const {
    std::vector<std::string_view> rev;
    for (int guard = 0; guard < 64; ++guard) {
      std::string_view t = type_of(n);
      if (t == "call") {
        n = field(n, "function");
      } else if (t == "attribute") {
        rev.push_back(text(field(n, "attribute")));
        n = field(n, "object");
      } else if (t == "identifier") {
        rev.push_back(text(n));
        std::reverse(rev.begin(), rev.end());
        return rev;
      } else {
        break;
      }
      if (ts_node_is_null(n)) break;
    }
    return {};
  }

  std::optional<std::string> mark_of(TSNode expr) const {
    std::vector<std::string_view> chain = dotted(expr);
    if (chain.size() == 1) {
      auto it = m_model.mark_aliases.find(std::string(chain[0]));
      if (it != m_model.mark_aliases.end()) return it->second;
    }
    for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
      if (chain[i] == "mark") return std::string(chain[i + 1]);
    }
    return std::nullopt;
  }

  // The argnames of a `parametrize(...)` call as pytest splits them ("a, b" or a list of
  // str literals); empty when not literal (the test is still parametrized).
  std::vector<std::string> parametrize_argnames(TSNode call) const {
    std::vector<std::string> names;
    if (type_of(call) != "call") return names;
    TSNode args = field(call, "arguments");
    if (ts_node_is_null(args)) return names;
    TSNode value{};
    bool found = false;
    for_each_named_child(args, [&](TSNode arg) {
      if (found) return;
      if (type_of(arg) != "keyword_argument") {
        value = arg;
        found = true;
      } else if (text(field(arg, "name")) == "argnames") {
        value = field(arg, "value");
        found = !ts_node_is_null(value);
      }
    });
    if (!found) return names;
    std::string_view t = type_of(value);
    if (auto joined = string_value(value, m_src)) {
      std::string_view rest = *joined;
      while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view part = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        std::size_t b = part.find_first_not_of(" \t\n\r\f\v"), e = part.find_last_not_of(" \t\n\r\f\v");
        if (b != std::string_view::npos) names.emplace_back(part.substr(b, e - b + 1));
      }
    } else if (t == "list" || t == "tuple") {
      for_each_named_child(value, [&](TSNode item) {
        if (auto name = string_value(item, m_src)) names.push_back(std::move(*name));
      });
    }
    return names;
  }

  void read_decorator(TSNode expr, DecoratorInfo& info) const {
    if (auto mark = mark_of(expr)) {
      // Decorators apply bottom-up, so a later (lower) parametrize comes first in pytest's ids.
      if (*mark == "parametrize") {
        std::vector<std::string> names = parametrize_argnames(expr);
        info.params.insert(info.params.begin(), names.begin(), names.end());
      }
      info.marks.push_back(std::move(*mark));
      return;
    }
    std::vector<std::string_view> chain = dotted(expr);
    if (chain.empty()) return;
    std::string_view last = chain.back();
    if (last == "fixture" || last == "yield_fixture") info.fixture = true;
    // pytest 7.2 unwraps staticmethod only; a classmethod or property object is not callable.
    if (last == "property" || last == "classmethod" || last == "cached_property") info.not_callable = true;
  }

  void pytestmark_of(TSNode value, Namespace& ns) const {
    ns.pytestmark.clear();
    ns.pytestmark_params.clear();
    auto add = [&](TSNode item) {
      auto m = mark_of(item);
      if (!m) return;
      if (*m == "parametrize") {
        std::vector<std::string> names = parametrize_argnames(item);
        ns.pytestmark_params.insert(ns.pytestmark_params.end(), names.begin(), names.end());
      }
      ns.pytestmark.push_back(std::move(*m));
    };
    std::string_view t = type_of(value);
    if (t == "list" || t == "tuple" || t == "expression_list") {
      for_each_named_child(value, add);
    } else {
      add(value);
    }
  }

  static std::optional<bool> bool_literal(TSNode n) {
    std::string_view t = type_of(n);
    if (t == "true") return true;
    if (t == "false") return false;
    return std::nullopt;
  }

  void assignment(TSNode node, Namespace& ns, bool module_level) {
    TSNode left = field(node, "left"), right = field(node, "right");
    if (ts_node_is_null(left)) return;
    std::string_view lt = type_of(left);
    if (lt == "identifier") {
      assign_name(text(left), right, ns, module_level);
    } else if (lt == "attribute" && !ts_node_is_null(right)) {
      TSNode object = field(left, "object");
      if (text(field(left, "attribute")) != "__test__" || type_of(object) != "identifier") return;
      std::string name(text(object));
      auto it = ns.index.find(name);
      if (it != ns.index.end()) ns.bindings[it->second].dunder_test = bool_literal(right);
    } else if (lt == "pattern_list" || lt == "tuple_pattern" || lt == "list_pattern") {
      for_each_named_child(left, [&](TSNode target) {
        if (type_of(target) == "identifier") ns.bind(other_binding(text(target)));
      });
    }
  }

  void assign_name(std::string_view name, TSNode right, Namespace& ns, bool module_level) {
    bool has_value = !ts_node_is_null(right);
    if (name == "pytestmark" && has_value) {
      pytestmark_of(right, ns);
    } else if (name == "__test__" && has_value) {
      ns.dunder_test = bool_literal(right);
    } else if (module_level && has_value) {
      if (auto mark = mark_of(right)) m_model.mark_aliases[std::string(name)] = *mark;
    }
    ns.bind(other_binding(name));
  }

  std::string_view m_src;
  ModuleModel m_model;
};

}  // namespace

ModuleModel build_module_model(TSNode root, std::string_view source) { return ModelBuilder(source).build(root); }

}  // namespace fastest::discovery
