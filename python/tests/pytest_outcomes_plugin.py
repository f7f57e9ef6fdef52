"""pytest plugin (-p tests.pytest_outcomes_plugin) writing each test's final outcome as JSON.

Used only by the agreement tests to read real pytest's verdicts test by test.
"""
import json
import os

_results = {}
_order = []


def pytest_runtest_logreport(report):
    wasx = hasattr(report, "wasxfail")
    if report.when == "setup":
        _order.append(report.nodeid)
    if report.when == "call":
        if report.passed:
            out = "xpassed" if wasx else "passed"
        elif report.skipped:
            out = "xfailed" if wasx else "skipped"
        else:
            out = "failed"
        _results[report.nodeid] = out
    elif report.when == "setup":
        if report.failed:
            _results[report.nodeid] = "error"
        elif report.skipped:
            _results[report.nodeid] = "xfailed" if wasx else "skipped"
    elif report.when == "teardown":
        if report.failed:
            _results.setdefault(report.nodeid + "@teardown", "error")


def pytest_collectreport(report):
    if report.failed:
        _results[report.nodeid] = "error"
    elif report.skipped:
        _results[report.nodeid] = "skipped"


def pytest_sessionfinish(session):
    path = os.environ.get("FASTEST_OUTCOMES_JSON")
    if path:
        with open(path, "w") as f:
            json.dump(_results, f, indent=1, sort_keys=True)
    path = os.environ.get("FASTEST_ORDER_JSON")
    if path:
        with open(path, "w") as f:
            json.dump(_order, f)
