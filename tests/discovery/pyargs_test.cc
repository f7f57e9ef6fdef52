// --pyargs (app/pyargs.cc): module and package names resolve to paths with the worker
// interpreter's importlib, as pytest's search_pypath resolves them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "app/pyargs.h"
#include "discovery/discovery_test_util.h"
#include "e2e/e2e_util.h"

namespace fastest::app {
namespace {

using discovery::testing::TempTree;

class PythonPath {
 public:
  explicit PythonPath(const std::string& value) {
    if (const char* old = std::getenv("PYTHONPATH")) m_old = old;
    ::setenv("PYTHONPATH", value.c_str(), 1);
  }
  ~PythonPath() {
    if (m_old) {
      ::setenv("PYTHONPATH", m_old->c_str(), 1);
    } else {
      ::unsetenv("PYTHONPATH");
    }
  }

 private:
  std::optional<std::string> m_old;
};

TEST(Pyargs, NamesBecomePathsAndOtherArgumentsStay) {
  TempTree t;
  t.write("site/fastest_pyargs_pkg/__init__.py", "print('importing prints are not the answer')\n");
  t.write("site/fastest_pyargs_pkg/test_m.py", "def test_a(): pass\n");
  PythonPath path((t.root() / "site").string());
  auto r = resolve_pyargs(e2e::test_python(), {"fastest_pyargs_pkg", "fastest_pyargs_pkg.test_m::test_a[1]",
                                               "no_such_module_fastest", "tests/", "fastest_pyargs_pkg.nope"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string pkg = (t.root() / "site" / "fastest_pyargs_pkg").string();
  EXPECT_THAT(r.value(), ::testing::ElementsAre(pkg, pkg + "/test_m.py::test_a[1]", "no_such_module_fastest", "tests/",
                                                "fastest_pyargs_pkg.nope"));
}

TEST(Pyargs, AnInterpreterThatCannotRunIsAnError) {
  EXPECT_FALSE(resolve_pyargs("/nonexistent/python3", {"json"}).ok());
}

}  // namespace
}  // namespace fastest::app
