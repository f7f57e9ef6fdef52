"""setuptools script of the `fastest` package (run by fastest_build.py, from the repo root).

build_ext runs the system's CMake on this repository and copies what it built into the
wheel: the extension module fastest/_fastest*.so and the executable fastest/_bin/fastest
(stripped of debug information). Environment:
  FASTEST_BUILD_DIR=dir     reuse an already configured CMake build (e.g. scripts/setup's
                            build/, for the same Python): only `cmake --build` runs
  FASTEST_CMAKE_ARGS="..."  extra arguments for a fresh configure
  FASTEST_JOBS=N            parallel build jobs (default: the cores)
"""
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path.cwd()


def _run(cmd):
    print("fastest build:", " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    subprocess.check_call([str(c) for c in cmd])


class CMakeBuild(build_ext):
    """Builds the extension and the executable with CMake instead of compiling sources."""

    def _cmake_dir(self):
        reuse = os.environ.get("FASTEST_BUILD_DIR")
        if reuse:
            path = Path(reuse).resolve()
            if not (path / "CMakeCache.txt").is_file():
                sys.exit(f"fastest build: FASTEST_BUILD_DIR={reuse} is not a configured CMake build")
            return path
        if not (ROOT / "third_party/tree-sitter-python/src/parser.c").is_file():
            sys.exit("fastest build: the tree-sitter-python grammar is missing; run scripts/setup first (it fetches it)")
        path = Path(self.build_temp).resolve() / "cmake"
        args = ["-DCMAKE_BUILD_TYPE=Release", "-DFASTEST_BUILD_TESTS=OFF", "-DFASTEST_BUILD_BENCH=OFF",
                f"-DPython_EXECUTABLE={sys.executable}"]
        if shutil.which("ninja") and not (path / "Makefile").exists():
            args += ["-G", "Ninja"]
        if shutil.which("ccache"):
            args += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
        args += shlex.split(os.environ.get("FASTEST_CMAKE_ARGS", ""))
        _run(["cmake", "-S", ROOT, "-B", path, *args])
        return path

    def build_extension(self, ext):
        cmake_dir = self._cmake_dir()
        jobs = os.environ.get("FASTEST_JOBS") or str(os.cpu_count() or 1)
        _run(["cmake", "--build", cmake_dir, "--target", "fastest_python_package", "-j", jobs])
        package = cmake_dir / "python" / "fastest"
        module = package / ("_fastest" + sysconfig.get_config_var("EXT_SUFFIX"))
        if not module.is_file():
            sys.exit(f"fastest build: {module} is missing: was {cmake_dir} built for this Python ({sys.executable})?")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / "_bin").mkdir(exist_ok=True)
        self._copy(module, target)
        self._copy(package / "_bin" / "fastest", target.parent / "_bin" / "fastest")

    @staticmethod
    def _copy(src, dst):
        shutil.copyfile(src, dst)
        shutil.copymode(src, dst)
        if shutil.which("strip"):
            subprocess.check_call(["strip", "--strip-debug", str(dst)])


os.makedirs("build/wheel", exist_ok=True)
setup(
    ext_modules=[Extension("fastest._fastest", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": "build/wheel"}, "egg_info": {"egg_base": "build/wheel"}},
)
