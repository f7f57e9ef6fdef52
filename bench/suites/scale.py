"""The scale suites of issue 12: many files, one huge module, and the real-suite shape.

* `many_files`: `files` modules of `per_file` trivial tests (default 10,000 x 10).
* `one_file`: one module, one test function parametrized `tests` times (default 100,000).
* `real_shape`: one module of `big` parametrized tests (default 50,000, spread over a few
  functions of unequal size, as in the real suite this shape was taken from) plus
  `small_modules` small modules of `small_tests` tests each (default 30 x 20).

The parameter lists are built in the module (`range`), so the module's source stays
small: static discovery sees a handful of functions, the workers expand them.
"""

import os

MANY_FILES = {"files": 10_000, "per_file": 10}
ONE_FILE = {"tests": 100_000}
REAL_SHAPE = {"big": 50_000, "small_modules": 30, "small_tests": 20}

QUICK_MANY_FILES = {"files": 500, "per_file": 10}
QUICK_ONE_FILE = {"tests": 5_000}
QUICK_REAL_SHAPE = {"big": 5_000, "small_modules": 10, "small_tests": 20}

# Shares of the big module's tests per function (the real suite's largest module has a
# few parametrized functions of very different sizes).
BIG_SHARES = (0.46, 0.27, 0.15, 0.08, 0.04)


def _write_ini(root):
    os.makedirs(os.path.join(root, "tests"), exist_ok=True)
    with open(os.path.join(root, "pytest.ini"), "w") as f:
        f.write("[pytest]\ntestpaths = tests\n")


def _param_module(counts):
    lines = ["import pytest", ""]
    for i, n in enumerate(counts):
        lines.append(f"@pytest.mark.parametrize('x', range({n}))")
        lines.append(f"def test_p{i}(x):\n    assert x >= 0\n")
    return "\n".join(lines) + "\n"


def _plain_module(n):
    return "\n".join(f"def test_{i}():\n    pass\n" for i in range(n)) + "\n"


def many_files(root, files=10_000, per_file=10):
    """Writes `files` modules of `per_file` tests under root/tests, in 100 packages-less dirs."""
    _write_ini(root)
    source = _plain_module(per_file)
    for m in range(files):
        d = os.path.join(root, "tests", f"d{m // 100:03d}")
        if m % 100 == 0:
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"test_f{m:05d}.py"), "w") as f:
            f.write(source)
    return {"tests": files * per_file, "modules": files}


def one_file(root, tests=100_000):
    """Writes one module holding one function parametrized `tests` times."""
    _write_ini(root)
    with open(os.path.join(root, "tests", "test_huge.py"), "w") as f:
        f.write(_param_module([tests]))
    return {"tests": tests, "modules": 1}


def big_counts(big):
    counts = [int(big * s) for s in BIG_SHARES]
    counts[0] += big - sum(counts)
    return counts


def real_shape(root, big=50_000, small_modules=30, small_tests=20):
    """One module of `big` parametrized tests plus `small_modules` small modules."""
    _write_ini(root)
    with open(os.path.join(root, "tests", "test_big.py"), "w") as f:
        f.write(_param_module(big_counts(big)))
    for m in range(small_modules):
        with open(os.path.join(root, "tests", f"test_small{m:02d}.py"), "w") as f:
            f.write(_plain_module(small_tests))
    return {"tests": big + small_modules * small_tests, "modules": small_modules + 1}


GENERATORS = {"many_files": many_files, "one_file": one_file, "real_shape": real_shape}
FULL = {"many_files": MANY_FILES, "one_file": ONE_FILE, "real_shape": REAL_SHAPE}
QUICK = {"many_files": QUICK_MANY_FILES, "one_file": QUICK_ONE_FILE, "real_shape": QUICK_REAL_SHAPE}


def generate(name, root, quick=False):
    """Writes suite `name` under root; returns {'tests': N, 'modules': M}."""
    return GENERATORS[name](root, **(QUICK if quick else FULL)[name])


if __name__ == "__main__":
    import sys
    import tempfile
    name = sys.argv[1] if len(sys.argv) > 1 else "real_shape"
    d = tempfile.mkdtemp(prefix=f"fastest-{name}-")
    print(d)
    print(generate(name, d, quick="--quick" in sys.argv))
