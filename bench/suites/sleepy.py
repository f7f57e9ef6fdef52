"""The `sleepy` suite: modules of sleeping tests with heavy-tailed durations.

Sleep does not compete for CPU, so the makespan measures scheduling, not core
count. The draw is seeded, so every run of the benchmark sees the same suite:

* one "big" module of many short tests whose total is slightly above a quarter
  of the suite, so that at 4 workers it must be split to reach the bound;
* the other modules' totals follow a lognormal draw (heavy tail), each either
  one long test (indivisible), a few medium tests, or many short ones;
* every module sleeps `import_s` at import time, a stand-in for the import and
  module-fixture cost that a slice of a split module pays again.
"""

import math
import os
import random

FULL = {"modules": 60, "total_s": 30.0}
QUICK = {"modules": 12, "total_s": 6.0}

SEED = 20261126
BIG_SHARE = 0.26      # the big module, slightly above total / 4
MAX_OTHER_SHARE = 0.16  # no other module (so no single test) comes close to total / 4
IMPORT_S = 0.01


def _draw(modules, total_s, rng):
    """Per-module test durations (seconds), module 0 being the big one."""
    test_budget = total_s - modules * IMPORT_S
    big = BIG_SHARE * test_budget
    weights = [rng.lognormvariate(0.0, 1.2) for _ in range(modules - 1)]
    rest = test_budget - big
    cap = MAX_OTHER_SHARE * test_budget
    totals = [w / sum(weights) * rest for w in weights]
    # Clip the tail at the cap and hand the excess to the others, a few rounds.
    for _ in range(10):
        excess = sum(max(0.0, t - cap) for t in totals)
        if excess < 1e-9:
            break
        totals = [min(t, cap) for t in totals]
        free = [i for i, t in enumerate(totals) if t < cap]
        share = sum(totals[i] for i in free)
        for i in free:
            totals[i] += excess * totals[i] / share
    shapes = [[round(big / 26, 3)] * 26]
    for t in totals:
        kind = rng.random()
        if kind < 0.3:
            n = 1
        elif kind < 0.6:
            n = rng.randint(2, 6)
        else:
            n = rng.randint(10, 40)
        shapes.append([round(t / n, 3)] * n)
    return shapes


def _module_source(durations):
    lines = ["import time", "", f"time.sleep({IMPORT_S})", ""]
    for i, d in enumerate(durations):
        lines.append(f"def test_{i}():\n    time.sleep({d})\n")
    return "\n".join(lines)


def lower_bound(info, workers):
    """max(total / workers, longest test + its module's import) in seconds."""
    return max(info["total_s"] / workers, info["largest_indivisible_s"])


def generate(root, modules=60, total_s=30.0, seed=SEED):
    """Writes the suite under root; returns its sleep times and bound inputs."""
    rng = random.Random(seed)
    shapes = _draw(modules, total_s, rng)
    tests = os.path.join(root, "tests")
    os.makedirs(tests, exist_ok=True)
    with open(os.path.join(root, "pytest.ini"), "w") as f:
        f.write("[pytest]\ntestpaths = tests\n")
    module_totals = []
    for m, durations in enumerate(shapes):
        with open(os.path.join(tests, f"test_s{m:03d}.py"), "w") as f:
            f.write(_module_source(durations))
        module_totals.append(IMPORT_S + sum(durations))
    return {
        "tests": sum(len(s) for s in shapes),
        "modules": modules,
        "total_s": sum(module_totals),
        "largest_module_s": max(module_totals),
        "largest_indivisible_s": max(max(s) for s in shapes) + IMPORT_S,
        "one_test_modules": sum(1 for s in shapes if len(s) == 1),
        "module_totals": module_totals,
    }


if __name__ == "__main__":
    import sys
    import tempfile
    d = tempfile.mkdtemp()
    info = generate(d, **(QUICK if "--quick" in sys.argv else FULL))
    print(d)
    for k, v in info.items():
        if k != "module_totals":
            print(k, v if not isinstance(v, float) else round(v, 3))
    print("sorted module totals:", [round(t, 2) for t in sorted(info["module_totals"], reverse=True)])
    for w in (2, 4):
        print(f"lower bound -n {w}:", round(lower_bound(info, w), 3))
