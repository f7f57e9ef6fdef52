import os

from conftest import NOTSET


def test_rep_call_passed(call_outcome, sess):
    assert NOTSET is not None


def test_rep_call_failed(call_outcome):
    assert 1 == 2


def test_worker_env(worker_id):
    assert os.environ.get("PYTEST_XDIST_WORKER", "master") == worker_id


def test_dropped_by_hook():
    pass
