"""PEP 517 build backend: setuptools' own, reading its setup script from this folder.

A setup.py at the repository root would make it pytest's rootdir for every test project
in the repository that has no ini file of its own (pytest looks for setup.py upwards),
changing their node ids; so the script is python/build_backend/setup_fastest.py.
"""
import os
import sys

from setuptools import build_meta as _setuptools

try:
    import wheel  # noqa: F401  (setuptools < 70 builds wheels through it)
except ImportError:
    # A venv made by Debian's python3 has pip and setuptools but not `wheel`; with
    # --no-build-isolation the system's (python3-wheel, pure Python) does the job.
    _system = os.path.join(sys.base_prefix, "lib", "python3", "dist-packages")
    if os.path.isdir(os.path.join(_system, "wheel")):
        sys.path.append(_system)

_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "setup_fastest.py")


class _Backend(_setuptools._BuildMetaBackend):
    def run_setup(self, setup_script="setup.py"):
        super().run_setup(setup_script=_SCRIPT)


_BACKEND = _Backend()
get_requires_for_build_wheel = _BACKEND.get_requires_for_build_wheel
get_requires_for_build_sdist = _BACKEND.get_requires_for_build_sdist
prepare_metadata_for_build_wheel = _BACKEND.prepare_metadata_for_build_wheel
build_wheel = _BACKEND.build_wheel
build_sdist = _BACKEND.build_sdist
