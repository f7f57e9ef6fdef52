"""Per-test output capture: fd 1/2 onto reusable temp files, or sys.stdout swap."""
import io
import os
import sys

MAX_CAPTURE = 4 * 1024 * 1024
_lseek = os.lseek  # bound at import: a test that mocks os.lseek does not see our calls
_TRUNC = "\n[... output truncated by fastest: %d bytes in all ...]\n"


def _high(fd):
    """Move ``fd`` to >= 1000 (close-on-exec) so tests closing fds 3..N leave it alone."""
    try:
        import fcntl
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 1000)
    except (ImportError, OSError, ValueError):
        os.set_inheritable(fd, False)
        return fd
    os.close(fd)
    return high


def _tmpfd():
    """An unnamed temp file, as ``tempfile.TemporaryFile`` makes it on Linux (O_TMPFILE
    in the temp dir), without importing tempfile at start-up (with random, shutil, bz2
    and lzma: ~3 ms of CPU per worker); tempfile itself wherever that cannot be done."""
    flags = getattr(os, "O_TMPFILE", 0)
    if flags:
        for name in ("TMPDIR", "TEMP", "TMP"):
            d = os.environ.get(name)
            if d:
                break
        else:
            d = "/tmp"
        try:
            return _high(os.open(d, flags | os.O_RDWR | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
        except OSError:
            pass
    import tempfile
    f = tempfile.TemporaryFile(buffering=0)
    fd = os.dup(f.fileno())
    f.close()
    return _high(fd)


def read_fd(fd):
    """Everything written to temp ``fd`` since the last reset; then reset it."""
    size = os.lseek(fd, 0, os.SEEK_CUR)
    if not size:
        return ""
    if size > MAX_CAPTURE:
        data = os.pread(fd, MAX_CAPTURE, 0)
        text = data.decode("utf-8", "replace") + _TRUNC % size
    else:
        data = os.pread(fd, size, 0)
        text = data.decode("utf-8", "replace")
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    return text


class CaptureIO(io.TextIOWrapper):
    def __init__(self):
        super().__init__(io.BytesIO(), encoding="UTF-8", newline="", write_through=True)

    def getvalue(self):
        return self.buffer.getvalue().decode("UTF-8", "replace")

    def reset(self):
        self.buffer.seek(0)
        self.buffer.truncate()


class TeeCaptureIO(CaptureIO):
    """``--capture=tee-sys``: keep a copy and pass everything on to the real stream."""

    def __init__(self, other):
        self._other = other
        super().__init__()

    def write(self, s):
        super().write(s)
        return self._other.write(s)

    def flush(self):
        super().flush()
        try:
            self._other.flush()
        except Exception:
            pass


def _flush(stream):
    try:
        stream.flush()
    except Exception:
        pass


def _flush_std():
    """``_flush`` of sys.stdout and sys.stderr in one call (twice per test)."""
    try:
        sys.stdout.flush()
    except Exception:
        pass
    try:
        sys.stderr.flush()
    except Exception:
        pass


class DontReadFromInput:
    """``sys.stdin`` while output is captured (pytest raises on reads, not EOF)."""

    encoding = None

    def read(self, size=-1):
        raise OSError("pytest: reading from stdin while output is captured!  Consider using `-s`.")

    readline = read
    readlines = read
    __next__ = read

    def __iter__(self):
        return self

    def fileno(self):
        raise io.UnsupportedOperation("redirected stdin is pseudofile, has no fileno()")

    def isatty(self):
        return False

    def close(self):
        pass

    def readable(self):
        return False

    def seekable(self):
        return False

    def writable(self):
        return False

    @property
    def buffer(self):
        return self


class Capture:
    """The worker's capture; ``start()``/``stop()`` around each test."""

    def __init__(self, mode):
        self.mode = mode
        self.out_fd = self.err_fd = -1
        self.saved_out = self.saved_err = -1
        self.sysout = self.syserr = None
        if mode == "fd":
            self.out_fd = _tmpfd()
            self.err_fd = _tmpfd()
            try:
                self.saved_out = _high(os.dup(1))
            except OSError:
                self.saved_out = -1
            try:
                self.saved_err = _high(os.dup(2))
            except OSError:
                self.saved_err = -1
            self.sysout = self._open_text(1)
            self.syserr = self._open_text(2)
        elif mode == "sys":
            self.sysout = CaptureIO()
            self.syserr = CaptureIO()
        elif mode == "tee-sys":
            self.sysout = TeeCaptureIO(sys.stdout)
            self.syserr = TeeCaptureIO(sys.stderr)
            self.mode = mode = "sys"
        self.real_stdout = sys.stdout
        self.real_stderr = sys.stderr
        self.real_stdin = sys.stdin
        if mode in ("fd", "sys", "tee-sys"):
            sys.stdin = DontReadFromInput()

    @staticmethod
    def _open_text(fd):
        return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8",
                                errors="backslashreplace", line_buffering=False)

    def start(self):
        mode = self.mode
        if mode == "fd":
            _flush_std()
            try:
                os.dup2(self.out_fd, 1)
                os.dup2(self.err_fd, 2)
            except OSError:
                # A test closed our temp files: start over with new ones.
                self.out_fd = _tmpfd()
                self.err_fd = _tmpfd()
                os.dup2(self.out_fd, 1)
                os.dup2(self.err_fd, 2)
            if sys.stdout is not self.sysout or self.sysout.closed:
                if self.sysout.closed:
                    self.sysout = self._open_text(1)
                sys.stdout = self.sysout
            if sys.stderr is not self.syserr or self.syserr.closed:
                if self.syserr.closed:
                    self.syserr = self._open_text(2)
                sys.stderr = self.syserr
        elif mode == "sys":
            if self.sysout.closed:
                self.sysout = CaptureIO() if not isinstance(self.sysout, TeeCaptureIO) \
                    else TeeCaptureIO(self.real_stdout)
            if self.syserr.closed:
                self.syserr = CaptureIO() if not isinstance(self.syserr, TeeCaptureIO) \
                    else TeeCaptureIO(self.real_stderr)
            sys.stdout = self.sysout
            sys.stderr = self.syserr

    def stop(self):
        """(stdout, stderr) captured since ``start()``."""
        mode = self.mode
        if mode == "fd":
            _flush_std()
            try:
                # Nothing written (the common case): no read_fd call, one lseek per file.
                out_fd, err_fd = self.out_fd, self.err_fd
                out = read_fd(out_fd) if _lseek(out_fd, 0, os.SEEK_CUR) else ""
                err = read_fd(err_fd) if _lseek(err_fd, 0, os.SEEK_CUR) else ""
                return out, err
            except OSError:
                return "", ""
        if mode == "sys":
            out = self.sysout.getvalue() if not self.sysout.closed else ""
            err = self.syserr.getvalue() if not self.syserr.closed else ""
            if not self.sysout.closed:
                self.sysout.reset()
            if not self.syserr.closed:
                self.syserr.reset()
            return out, err
        return "", ""

    def _restore_fds(self):
        _flush(sys.stdout)
        _flush(sys.stderr)
        if self.saved_out >= 0:
            os.dup2(self.saved_out, 1)
        if self.saved_err >= 0:
            os.dup2(self.saved_err, 2)

    def suspend(self):
        """Point fd 1/2 back at the real outputs (for capsys.disabled())."""
        if self.mode == "fd":
            self._restore_fds()
        elif self.mode == "sys":
            sys.stdout, sys.stderr = self.real_stdout, self.real_stderr
        sys.stdin = self.real_stdin

    def resume(self):
        if self.mode == "fd":
            _flush(sys.stdout)
            _flush(sys.stderr)
            os.dup2(self.out_fd, 1)
            os.dup2(self.err_fd, 2)
        elif self.mode == "sys":
            sys.stdout, sys.stderr = self.sysout, self.syserr

    def close(self):
        if self.mode == "fd":
            self._restore_fds()
        sys.stdout, sys.stderr = self.real_stdout, self.real_stderr
        sys.stdin = self.real_stdin
