#pragma once
// --pyargs: positional arguments naming importable modules or packages resolve to their
// paths, as pytest's resolve_collection_argument(as_pypath=True) resolves them.

#include <string>
#include <vector>

#include "base/result.h"

namespace fastest::app {

/// Each argument's path part ("pkg.tests.test_x" of "pkg.tests.test_x::test_a") that the
/// interpreter's importlib.util.find_spec finds becomes the module's file, or the
/// package's directory; the "::..." part is kept. Other arguments are returned as given
/// (pytest then treats them as paths). One `python -c` run answers all the names, with
/// the sys.path a worker sees (no '' entry). Errors: the interpreter could not be run.
base::Result<std::vector<std::string>> resolve_pyargs(const std::string& python, const std::vector<std::string>& args);

}  // namespace fastest::app
