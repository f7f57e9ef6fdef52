# Types of the public API (python/fastest/__init__.py and the extension module _fastest).
import os
from typing import Iterable, Sequence, Union

from fastest._fastest import Batch as Batch
from fastest._fastest import CollectionError as CollectionError
from fastest._fastest import Plan as Plan
from fastest._fastest import Run as Run
from fastest._fastest import TestItem as TestItem
from fastest._fastest import TestResult as TestResult
from fastest._fastest import TestStat as TestStat

_Path = Union[str, os.PathLike[str]]
_IniValue = Union[str, int, float, bool, Sequence[str]]

__version__: str
__all__: list[str]

class HistoryWarning(UserWarning): ...

class Results(list[TestResult]):
    exit_code: int
    errors: list[CollectionError]
    def __init__(
        self, results: Iterable[TestResult] = ..., exit_code: int = ..., errors: Iterable[CollectionError] = ...
    ) -> None: ...

def executable() -> str: ...
def discover(
    paths: _Path | Sequence[_Path] | None = None, rootdir: _Path | None = None, **ini: _IniValue
) -> list[TestItem]: ...
def run(args: Sequence[_Path] | _Path | None = None) -> int: ...
def run_tests(
    items_or_ids: TestItem | _Path | Iterable[TestItem | _Path],
    num_workers: int | None = None,
    schedule: str = "history",
    db: _Path | None = None,
    engine: str = "auto",
    *,
    args: Sequence[_Path] = (),
    report: bool = False,
) -> Results: ...
def run_tests_parallel(tests: TestItem | _Path | Iterable[TestItem | _Path], num_workers: int | None = None) -> Results: ...

class History:
    path: str
    def __init__(self, db: _Path | None = None, rootdir: _Path | None = None) -> None: ...
    def slowest(self, n: int = 20) -> list[TestStat]: ...
    def flaky(self, n: int = 1000) -> list[TestStat]: ...
    def runs(self, n: int = 1000) -> list[Run]: ...
    def plan(self, num_workers: int | None = None, paths: _Path | Sequence[_Path] | None = None, schedule: str = "history") -> Plan: ...
