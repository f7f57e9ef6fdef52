// pytest 7.2's collection rules applied to a ModuleModel (_pytest/python.py, unittest.py).
#include <algorithm>
#include <set>

#include "discovery/module_model.h"
#include "discovery/patterns.h"

namespace fastest::discovery {
namespace {

// Class attributes resolved over the in-module part of the MRO.
struct ClassView {
  std::vector<const ClassModel*> mro;  ///< the class first, then its bases
  bool unittest = false;
  std::optional<bool> dunder_test;
  bool has_constructor = false;
  std::vector<std::string> marks;   ///< own decorators/pytestmark, then the bases'
  std::vector<std::string> params;  ///< parametrize argnames in pytest's order, then the bases'
};

/// The marks an enclosing scope passes down to its tests.
struct Outer {
  std::vector<std::string> marks;
  std::vector<std::string> params;
};

void append_unique(std::vector<std::string>& into, const std::vector<std::string>& marks) {
  for (const std::string& m : marks) {
    if (std::find(into.begin(), into.end(), m) == into.end()) into.push_back(m);
  }
}

class Emitter {
 public:
  Emitter(const ModuleModel& module, std::string_view rel_path, const Config& cfg)
      : m_module(module), m_rel_path(rel_path), m_file(rel_path), m_cfg(cfg) {}

  std::vector<base::TestItem> run() {
    if (m_module.body.dunder_test == false) return {};
    Outer module{m_module.body.pytestmark, m_module.body.pytestmark_params};
    for (const Binding& b : m_module.body.bindings) binding(b, "", module);
    return std::move(m_items);
  }

 private:
  void binding(const Binding& b, const std::string& chain, const Outer& outer) {
    if (b.kind == Binding::Kind::klass) {
      nested_class(b, chain, outer);
    } else if (b.kind == Binding::Kind::function && is_test_function(b)) {
      add_item(b, chain, outer);
    }
  }

  bool is_test_function(const Binding& b) const {
    bool named = matches_prefix_or_glob(b.name, m_cfg.python_functions) || b.dunder_test == true;
    return named && !b.fixture && !b.not_callable && b.dunder_test != false;
  }

  void nested_class(const Binding& b, const std::string& chain, const Outer& outer) {
    const ClassModel& cls = m_module.classes[static_cast<std::size_t>(b.class_index)];
    ClassView view = resolve(cls);
    std::string inner = chain.empty() ? b.name : chain + "::" + b.name;
    Outer marks{view.marks, view.params};
    append_unique(marks.marks, outer.marks);
    append_unique(marks.params, outer.params);
    if (view.unittest) return unittest_class(view, inner, marks);
    bool named = matches_prefix_or_glob(b.name, m_cfg.python_classes) || view.dunder_test == true;
    // pytest warns "cannot collect test class ... because it has a __init__ constructor".
    if (!named || view.dunder_test == false || view.has_constructor) return;
    regular_class(view, inner, marks);
  }

  ClassView resolve(const ClassModel& cls) const {
    ClassView v;
    linearize(cls, v.mro, 0);
    for (const ClassModel* c : v.mro) {
      v.unittest = v.unittest || c->testcase_base;
      if (!v.dunder_test) v.dunder_test = c->body.dunder_test;
      v.has_constructor = v.has_constructor || c->body.find("__init__") || c->body.find("__new__");
      append_unique(v.marks, c->marks);
      append_unique(v.marks, c->body.pytestmark);
      // A class decorator appends to the body's `pytestmark` list.
      append_unique(v.params, c->body.pytestmark_params);
      append_unique(v.params, c->params);
    }
    return v;
  }

  // Depth-first, left to right, first occurrence kept: C3 for the hierarchies seen in tests.
  void linearize(const ClassModel& cls, std::vector<const ClassModel*>& out, int depth) const {
    if (depth > 64 || std::find(out.begin(), out.end(), &cls) != out.end()) return;
    out.push_back(&cls);
    for (int base : cls.local_bases) linearize(m_module.classes[static_cast<std::size_t>(base)], out, depth + 1);
  }

  // PyCollector.collect: names seen in MRO order, then groups emitted base-first.
  void regular_class(const ClassView& view, const std::string& chain, const Outer& marks) {
    std::set<std::string_view> seen;
    std::vector<std::vector<const Binding*>> groups;
    for (const ClassModel* c : view.mro) {
      auto& group = groups.emplace_back();
      for (const Binding& b : c->body.bindings) {
        if (seen.insert(b.name).second) group.push_back(&b);
      }
    }
    for (auto g = groups.rbegin(); g != groups.rend(); ++g) {
      for (const Binding* b : *g) binding(*b, chain, marks);
    }
  }

  // unittest.TestLoader.getTestCaseNames: "test*" callables, sorted by name.
  void unittest_class(const ClassView& view, const std::string& chain, const Outer& marks) {
    if (view.dunder_test == false) return;
    std::vector<const Binding*> tests;
    std::set<std::string_view> seen;
    const Binding* run_test = nullptr;
    for (const ClassModel* c : view.mro) {
      for (const Binding& b : c->body.bindings) {
        if (!seen.insert(b.name).second || b.kind != Binding::Kind::function || b.not_callable) continue;
        if (b.name == "runTest") run_test = &b;
        if (b.name.starts_with("test") && b.dunder_test != false) tests.push_back(&b);
      }
    }
    std::sort(tests.begin(), tests.end(), [](const Binding* a, const Binding* b) { return a->name < b->name; });
    if (tests.empty() && run_test) tests.push_back(run_test);
    for (const Binding* b : tests) add_item(*b, chain, marks);
  }

  void add_item(const Binding& b, const std::string& chain, const Outer& outer) {
    base::TestItem item;
    item.node_id = make_node_id(m_rel_path, chain, b.name);
    item.file = m_file;
    item.cls = chain;
    item.function = b.name;
    item.line = b.line;
    append_unique(item.markers, b.marks);
    append_unique(item.markers, outer.marks);
    item.parametrized = std::find(item.markers.begin(), item.markers.end(), "parametrize") != item.markers.end();
    // pytest's iter_markers order: the function's own marks, then the class's, then the module's.
    append_unique(item.params, b.params);
    append_unique(item.params, outer.params);
    m_items.push_back(std::move(item));
  }

  const ModuleModel& m_module;
  std::string_view m_rel_path;
  base::SharedString m_file;  // every item's `file`: one allocation per module
  const Config& m_cfg;
  std::vector<base::TestItem> m_items;
};

}  // namespace

std::vector<base::TestItem> emit_items(const ModuleModel& module, std::string_view rel_path, const Config& cfg) {
  return Emitter(module, rel_path, cfg).run();
}

}  // namespace fastest::discovery
