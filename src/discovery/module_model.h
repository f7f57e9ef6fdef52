#pragma once
// Internal: what a module's source says about its namespaces, read from the syntax
// tree (module_model.cc) and turned into pytest items by pytest's rules (emit.cc).

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tree_sitter/api.h>

#include "base/test_item.h"
#include "discovery/discovery.h"

namespace fastest::discovery {

/// One name bound in a module or class body. A later binding of the same name replaces
/// the earlier one but keeps its position, as a Python dict does.
struct Binding {
  enum class Kind { function, klass, other };
  Kind kind = Kind::other;
  std::string name;
  int line = 0;                     ///< 1-based line of `def` / `class`
  std::vector<std::string> marks;   ///< from @pytest.mark.X decorators, source order
  std::vector<std::string> params;  ///< parametrize argnames, pytest's order (the mark nearest the def first)
  bool fixture = false;             ///< @pytest.fixture: never a test
  bool not_callable = false;        ///< @property / @classmethod (pytest 7 skips both)
  std::optional<bool> dunder_test;  ///< `name.__test__ = X`
  int class_index = -1;             ///< into ModuleModel::classes when kind == klass
};

/// A module or class body.
struct Namespace {
  std::vector<Binding> bindings;  ///< definition order
  std::unordered_map<std::string, std::size_t> index;
  std::optional<bool> dunder_test;             ///< `__test__ = X` in this body
  std::vector<std::string> pytestmark;         ///< `pytestmark = ...` in this body
  std::vector<std::string> pytestmark_params;  ///< parametrize argnames in `pytestmark`, list order

  /// Binds `b.name`; returns the binding now stored.
  Binding& bind(Binding b);
  const Binding* find(std::string_view name) const;
};

struct ClassModel {
  std::string name;
  Namespace body;
  std::vector<int> local_bases;     ///< classes of this module, in declaration order
  bool testcase_base = false;       ///< a non-local base named TestCase / x.TestCase / xTestCase
  std::vector<std::string> marks;   ///< class decorators
  std::vector<std::string> params;  ///< parametrize argnames of the class decorators (nearest first)
};

struct ModuleModel {
  Namespace body;
  std::vector<ClassModel> classes;
  std::unordered_map<std::string, std::string> mark_aliases;  ///< `slow = pytest.mark.slow`
};

/// Reads the module's bindings from a parsed tree. `source` is the text that was parsed.
ModuleModel build_module_model(TSNode root, std::string_view source);

/// Applies pytest's collection rules (python_classes/functions, __init__, __test__,
/// unittest.TestCase, inheritance within the module) to produce items in pytest's order.
std::vector<base::TestItem> emit_items(const ModuleModel& module, std::string_view rel_path, const Config& cfg);

}  // namespace fastest::discovery
