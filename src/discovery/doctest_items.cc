// DocTestFinder's walk, statically: module, class, function, method, property and nested
// class docstrings, and string values of a literal module `__test__` dict.
#include "discovery/doctest_items.h"

#include <algorithm>
#include <unordered_map>

#include "discovery/discovery.h"
#include "discovery/syntax.h"

namespace fastest::discovery {
namespace {

constexpr int k_max_depth = 100;

std::string expand_tabs(std::string_view line) {
  std::string out;
  for (char c : line) {
    if (c == '\t') {
      out.append(8 - out.size() % 8, ' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(expand_tabs(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  return lines;
}

std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

bool is_prompt(const std::string& line, std::string_view prompt) {
  std::size_t i = indent_of(line);
  return i != std::string::npos && line.compare(i, 3, prompt) == 0;
}

// doctest's _IS_BLANK_OR_COMMENT: spaces, then optionally a comment, on one line.
bool blank_or_comment(std::string_view source) {
  if (source.ends_with('\n')) source.remove_suffix(1);
  if (source.find('\n') != std::string_view::npos) return false;
  std::size_t i = source.find_first_not_of(' ');
  return i == std::string_view::npos || source[i] == '#';
}

// One binding of a namespace that DocTestFinder may visit: dict semantics (last binding
// wins, first position kept; order does not matter since the names are sorted).
struct Candidate {
  TSNode def{};
  bool is_class = false;
  bool property = false;  ///< @property: found in classes only
  bool skip = false;      ///< rebound to something that is neither a routine nor a class
};

class Finder {
 public:
  Finder(std::string_view src, std::string_view rel_path) : m_src(src), m_rel_path(rel_path), m_file(rel_path) {}

  std::vector<base::TestItem> run(TSNode root, std::string_view module_name) {
    object(root, std::string(module_name), 1);
    namespace_of(root, std::string(module_name), /*in_class=*/false, 0);
    std::sort(m_items.begin(), m_items.end(),
              [](const base::TestItem& a, const base::TestItem& b) { return a.function < b.function; });
    return std::move(m_items);
  }

 private:
  std::string_view text(TSNode n) const { return node_text(n, m_src); }

  void object(TSNode body, const std::string& name, int line) {
    auto doc = docstring_of(body, m_src);
    if (doc && has_doctest_examples(*doc)) add(name, line);
  }

  void add(const std::string& name, int line) {
    base::TestItem item;
    item.node_id = make_node_id(m_rel_path, "", name);
    item.file = m_file;
    item.function = name;
    item.line = line;
    m_items.push_back(std::move(item));
  }

  void namespace_of(TSNode body, const std::string& prefix, bool in_class, int depth) {
    if (depth > k_max_depth) return;
    std::vector<std::string> order;
    std::unordered_map<std::string, Candidate> bound;
    collect(body, order, bound, prefix, in_class, depth);
    for (const std::string& n : order) {
      const Candidate& c = bound[n];
      if (c.skip || (c.property && !in_class)) continue;
      std::string name = prefix + "." + n;
      TSNode inner = field(c.def, "body");
      if (ts_node_is_null(inner)) continue;
      object(inner, name, node_line(c.def));
      if (c.is_class) namespace_of(inner, name, /*in_class=*/true, depth + 1);
    }
  }

  void collect(TSNode block, std::vector<std::string>& order, std::unordered_map<std::string, Candidate>& bound,
               const std::string& prefix, bool in_class, int depth) {
    if (depth > k_max_depth) return;
    auto bind = [&](std::string_view name, Candidate c) {
      auto [it, fresh] = bound.try_emplace(std::string(name), c);
      if (fresh)
        order.emplace_back(name);
      else
        it->second = c;
    };
    for_each_named_child(block, [&](TSNode stmt) {
      std::string_view t = type_of(stmt);
      if (t == "function_definition" || t == "class_definition") {
        bind(text(field(stmt, "name")), Candidate{stmt, t == "class_definition", false, false});
      } else if (t == "decorated_definition") {
        TSNode def = field(stmt, "definition");
        if (!ts_node_is_null(def)) bind(text(field(def, "name")), decorated(stmt, def));
      } else if (t == "expression_statement") {
        for_each_named_child(stmt, [&](TSNode e) { assignment(e, bind, prefix, in_class); });
      } else if (t == "if_statement" || t == "try_statement" || t == "with_statement" || t == "for_statement" ||
                 t == "while_statement") {
        for_each_named_child(stmt, [&](TSNode child) {
          std::string_view ct = type_of(child);
          if (ct == "block") collect(child, order, bound, prefix, in_class, depth + 1);
          if (ct.ends_with("_clause")) {
            for_each_named_child(child, [&](TSNode b) {
              if (type_of(b) == "block") collect(b, order, bound, prefix, in_class, depth + 2);
            });
          }
        });
      } else if (t == "import_statement" || t == "import_from_statement") {
        // Imported objects belong to other modules (DocTestFinder._from_module).
        for_each_named_child(stmt, [&](TSNode n) {
          if (type_of(n) == "aliased_import") bind(text(field(n, "alias")), Candidate{{}, false, false, true});
          if (type_of(n) == "dotted_name" && !ts_node_eq(n, field(stmt, "module_name")))
            bind(text(ts_node_named_child(n, ts_node_named_child_count(n) - 1)), Candidate{{}, false, false, true});
        });
      }
    });
  }

  Candidate decorated(TSNode stmt, TSNode def) const {
    Candidate c{def, type_of(def) == "class_definition", false, false};
    for_each_named_child(stmt, [&](TSNode d) {
      if (type_of(d) != "decorator" || ts_node_named_child_count(d) == 0) return;
      TSNode e = ts_node_named_child(d, 0);
      std::string_view name = type_of(e) == "attribute" ? text(field(e, "attribute")) : text(e);
      if (name == "property") c.property = true;
      // A cached_property is neither a routine, a class nor a property.
      if (name == "cached_property") c.skip = true;
    });
    return c;
  }

  template <class Bind>
  void assignment(TSNode e, Bind& bind, const std::string& prefix, bool in_class) {
    if (type_of(e) != "assignment") return;
    TSNode left = field(e, "left"), right = field(e, "right");
    if (type_of(left) != "identifier") return;
    std::string_view name = text(left);
    bind(name, Candidate{{}, false, false, true});
    if (!in_class && name == "__test__" && !ts_node_is_null(right) && type_of(right) == "dictionary")
      dunder_test(right, prefix);
  }

  // DocTestFinder also visits `__test__` values; string values are doctests named
  // module.__test__.key (routines and classes there were already found by name).
  void dunder_test(TSNode dict, const std::string& prefix) {
    for_each_named_child(dict, [&](TSNode pair) {
      if (type_of(pair) != "pair") return;
      auto key = string_value(field(pair, "key"), m_src);
      auto value = string_value(field(pair, "value"), m_src);
      if (key && value && has_doctest_examples(*value)) add(prefix + ".__test__." + *key, node_line(pair));
    });
  }

  std::string_view m_src;
  std::string_view m_rel_path;
  base::SharedString m_file;  // every item's `file`: one allocation per module
  std::vector<base::TestItem> m_items;
};

}  // namespace

bool has_doctest_examples(std::string_view text) {
  if (text.find(">>>") == std::string_view::npos) return false;
  std::vector<std::string> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!is_prompt(lines[i], ">>>")) continue;
    std::size_t cut = indent_of(lines[i]) + 4;
    std::string source = lines[i].size() > cut ? lines[i].substr(cut) : "";
    for (std::size_t k = i + 1; k < lines.size() && is_prompt(lines[k], "..."); ++k)
      source += "\n" + (lines[k].size() > cut ? lines[k].substr(cut) : "");
    if (!blank_or_comment(source)) return true;
  }
  return false;
}

std::vector<base::TestItem> doctest_items(TSNode root, std::string_view source, std::string_view rel_path,
                                          std::string_view module_name) {
  return Finder(source, rel_path).run(root, module_name);
}

std::vector<base::TestItem> text_doctest_items(std::string_view text, std::string_view rel_path) {
  if (!has_doctest_examples(text)) return {};
  auto slash = rel_path.rfind('/');
  std::string name(slash == std::string_view::npos ? rel_path : rel_path.substr(slash + 1));
  base::TestItem item;
  item.node_id = make_node_id(rel_path, "", name);
  item.file = rel_path;
  item.function = name;
  item.line = 1;
  return {std::move(item)};
}

}  // namespace fastest::discovery
