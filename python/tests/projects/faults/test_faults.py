import os
import sys


def test_exit_code():
    sys.exit(3)


def test_after_exit():
    pass


def test_fork_child_returns():
    pid = os.fork()
    if pid == 0:
        return  # the child falls back into the harness
    os.waitpid(pid, 0)


def test_closes_stdout():
    sys.stdout.close()


def test_output_after_close():
    print("still captured")


def test_closes_fd1():
    os.close(1)


def test_output_after_fd_close():
    os.write(1, b"fd still captured\n")


def test_input_never_blocks():
    # Under capture pytest's stdin raises OSError; with -s it is /dev/null (EOF).
    try:
        input()
    except (EOFError, OSError):
        return
    raise AssertionError("stdin gave data")


def test_mutates_sys_path():
    sys.path[:] = []


def test_chdir_deleted(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    os.chdir(d)
    d.rmdir()


def test_leaves_non_daemon_thread():
    import threading
    import time
    threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()


def test_closes_low_fds():
    os.closerange(3, 256)
