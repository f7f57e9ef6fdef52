"""The `trivial` suite: many modules of tests that do nothing.

It measures per-test and per-module overhead of the runner itself: discovery,
import, dispatch and reporting. Every fifth module puts half of its tests in a
class so that class collection is on the path too.
"""

import os

FULL = {"modules": 500, "per_module": 20}
QUICK = {"modules": 50, "per_module": 20}


def _module_source(index, per_module):
    lines = []
    in_class = per_module // 2 if index % 5 == 0 else 0
    for i in range(per_module - in_class):
        lines.append(f"def test_{i}():\n    pass\n")
    if in_class:
        lines.append(f"class TestGroup{index}:")
        for i in range(in_class):
            lines.append(f"    def test_m{i}(self):\n        pass\n")
    return "\n".join(lines) + "\n"


def generate(root, modules=500, per_module=20):
    """Writes the suite under root; returns {'tests': N, 'modules': M}."""
    tests = os.path.join(root, "tests")
    os.makedirs(tests, exist_ok=True)
    with open(os.path.join(root, "pytest.ini"), "w") as f:
        f.write("[pytest]\ntestpaths = tests\n")
    for m in range(modules):
        with open(os.path.join(tests, f"test_t{m:04d}.py"), "w") as f:
            f.write(_module_source(m, per_module))
    return {"tests": modules * per_module, "modules": modules}
