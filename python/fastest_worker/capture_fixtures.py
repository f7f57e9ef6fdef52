"""capsys, capsysbinary, capfd, capfdbinary."""
import contextlib
import io
import os
import sys
from collections import namedtuple

from .capture import CaptureIO, _tmpfd

CaptureResult = namedtuple("CaptureResult", ["out", "err"])


class _SysCapture:
    def __init__(self, binary):
        self.binary = binary
        self.out = CaptureIO()
        self.err = CaptureIO()
        self.saved = None

    def start(self):
        self.saved = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = self.out, self.err

    def suspend(self):
        sys.stdout, sys.stderr = self.saved

    def resume(self):
        sys.stdout, sys.stderr = self.out, self.err

    def read(self):
        out = self.out.buffer.getvalue()
        err = self.err.buffer.getvalue()
        self.out.reset()
        self.err.reset()
        if self.binary:
            return CaptureResult(out, err)
        return CaptureResult(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def stop(self):
        if self.saved is not None:
            sys.stdout, sys.stderr = self.saved
            self.saved = None


class _FdCapture:
    def __init__(self, binary):
        self.binary = binary
        self.out_fd = _tmpfd()
        self.err_fd = _tmpfd()
        self.saved = None
        self.sys = _SysCapture(False)

    def _flush(self):
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except Exception:
                pass

    def start(self):
        self._flush()
        self.saved = (os.dup(1), os.dup(2))
        os.dup2(self.out_fd, 1)
        os.dup2(self.err_fd, 2)
        # Python-level writes must land in the fds too (pytest's capfd does both).
        self.sys_saved = (sys.stdout, sys.stderr)
        self.sys_out = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                        errors="replace", write_through=True)
        self.sys_err = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                        errors="replace", write_through=True)
        sys.stdout, sys.stderr = self.sys_out, self.sys_err

    def suspend(self):
        self._flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        sys.stdout, sys.stderr = self.sys_saved

    def resume(self):
        self._flush()
        os.dup2(self.out_fd, 1)
        os.dup2(self.err_fd, 2)
        sys.stdout, sys.stderr = self.sys_out, self.sys_err

    def _read(self, fd):
        size = os.lseek(fd, 0, os.SEEK_CUR)
        data = os.pread(fd, size, 0) if size else b""
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        return data

    def read(self):
        self._flush()
        out, err = self._read(self.out_fd), self._read(self.err_fd)
        if self.binary:
            return CaptureResult(out, err)
        return CaptureResult(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def stop(self):
        if self.saved is not None:
            self._flush()
            os.dup2(self.saved[0], 1)
            os.dup2(self.saved[1], 2)
            os.close(self.saved[0])
            os.close(self.saved[1])
            self.saved = None
            sys.stdout, sys.stderr = self.sys_saved
        os.close(self.out_fd)
        os.close(self.err_fd)


class CaptureFixture:
    """capsys/capfd object: readouterr() and disabled()."""

    def __init__(self, impl, run):
        self._impl = impl
        self._run = run

    def readouterr(self):
        return self._impl.read()

    @contextlib.contextmanager
    def disabled(self):
        self._impl.suspend()
        self._run.capture.suspend()
        try:
            yield
        finally:
            self._run.capture.resume()
            self._impl.resume()

    def close(self):
        self._impl.stop()


def _capture_fixture(request, impl, name):
    run = request._run
    active = getattr(run, "_capfix_active", None)
    if active is not None:
        from .fixtures import FixtureLookupError
        raise FixtureLookupError(name, request, "cannot use %s and %s at the same time" % (
            name, active))
    run._capfix_active = name
    impl.start()
    fix = CaptureFixture(impl, run)
    try:
        yield fix
    finally:
        run._capfix_active = None
        impl.stop()


def capsys(request):
    yield from _capture_fixture(request, _SysCapture(False), "capsys")


def capsysbinary(request):
    yield from _capture_fixture(request, _SysCapture(True), "capsysbinary")


def capfd(request):
    yield from _capture_fixture(request, _FdCapture(False), "capfd")


def capfdbinary(request):
    yield from _capture_fixture(request, _FdCapture(True), "capfdbinary")
