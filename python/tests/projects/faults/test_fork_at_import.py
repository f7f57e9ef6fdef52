import os

_pid = os.fork()
if _pid:
    os.waitpid(_pid, 0)


def test_after_fork_at_import():
    pass
