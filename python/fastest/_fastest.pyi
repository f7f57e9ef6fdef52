# Types of the extension module (src/python_api/bindings.cc). Seconds throughout.
from typing import Optional

class TestItem:
    """A statically discovered test (before runtime parametrize expansion)."""
    @property
    def node_id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def rootdir(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def cls(self) -> str: ...
    @property
    def function(self) -> str: ...
    @property
    def markers(self) -> list[str]: ...
    @property
    def parametrized(self) -> bool: ...
    @property
    def params(self) -> list[str]: ...

class CollectionError:
    path: str
    line: int
    message: str

class TestResult:
    """One test's result, as a worker reported it (one per runtime node id)."""
    node_id: str
    file: str
    outcome: str
    passed: bool
    failed: bool
    skipped: bool
    duration: float
    durations: dict[str, float]
    longrepr: str
    message: str
    teardown_error: str
    stdout: str
    stderr: str
    log: str
    when: str
    line: int
    worker: int
    start: float
    properties: list[tuple[str, str]]

class TestStat:
    node_id: str
    file: str
    runs: int
    estimate: float
    spread: float
    last: Optional[float]
    last_outcome: str
    failures: int
    flips: int
    trend: float
    recent: list[float]

class Run:
    id: int
    uuid: str
    started: float
    ended: Optional[float]
    argv: str
    workers: int
    schedule: str
    shard: str
    host: str
    predicted_makespan: float
    lower_bound: float
    exit_status: Optional[int]
    makespan: Optional[float]
    passed: Optional[int]
    failed: Optional[int]
    errors: Optional[int]
    skipped: Optional[int]
    work: float
    balance: float

class Batch:
    module: str
    tests: list[str]
    cost: float
    estimated: bool
    slice: int
    slices: int

class Plan:
    batches: list[Batch]
    predicted_makespan: float
    lower_bound: float
    total: float
    workers: int
    tests: int
    modules: int
    recorded_runs: int

def _discover(argv: list[str], python: str) -> tuple[str, list[TestItem], list[CollectionError], list[str]]: ...
def _run(argv: list[str], python: str, catch_sigint: bool) -> int: ...
def _run_tests(
    argv: list[str], report: bool, python: str, catch_sigint: bool
) -> tuple[int, bool, list[TestResult], list[CollectionError], list[str]]: ...
def _project_db(db: str, rootdir: str) -> str: ...
def _plan(db: str, rootdir: str, paths: list[str], workers: int, schedule: str) -> tuple[Plan, list[str]]: ...
def _slowest(db: str, n: int) -> tuple[list[TestStat], list[str]]: ...
def _flaky(db: str, n: int) -> tuple[list[TestStat], list[str]]: ...
def _runs(db: str, n: int) -> tuple[list[Run], list[str]]: ...
