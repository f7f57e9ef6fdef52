"""Length-framed JSON messages over two pipes (docs/protocol.md)."""
import json
import os
import re
import struct
import threading
from time import perf_counter

MAX_FRAME = 64 * 1024 * 1024
_HEADER = struct.Struct(">I")
# The spill (docs/protocol.md, "Batched frames"): stream offset of its first held byte and
# how many bytes it holds, then the frames themselves.
_SPILL_HEAD = struct.Struct("<QI")
SPILL_AGE_S = 0.02  # a held frame is written at the latest this long after it was queued
SPILL_FLUSH_BYTES = 16384
_SURROGATE = re.compile("[\ud800-\udfff]")
# Bound at import: a test may patch os.write / os.getpid (mock.patch) while the watcher
# thread writes held frames beside it; the protocol must not go through the test's mock.
_os_write, _os_read, _os_getpid = os.write, os.read, os.getpid
# True in a process forked from the worker: the per-frame and per-test checks for a child
# that came back into the harness read it instead of asking getpid() (a system call,
# five per test). Without os.register_at_fork they compare pids as before.
forked = False
AT_FORK = hasattr(os, "register_at_fork")


def _mark_forked():
    global forked
    forked = True


if AT_FORK:
    os.register_at_fork(after_in_child=_mark_forked)

_slow_dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False, default=str).encode


def _make_fast():
    # json.dumps builds a new C encoder per call; building it once saves
    # most of the per-message cost on the per-test hot path.
    try:
        from json.encoder import c_make_encoder, encode_basestring
    except ImportError:
        return None
    if c_make_encoder is None:
        return None
    enc = c_make_encoder(None, str, encode_basestring, None, ":", ",", False, False, True)

    def dumps(obj):
        return "".join(enc(obj, 0))
    return dumps


_dumps = _make_fast() or _slow_dumps

try:
    from json.encoder import encode_basestring as _json_str
except ImportError:  # pragma: no cover - every CPython has it
    _json_str = json.dumps

_pack = _HEADER.pack
# Bytes templates: a node id quoted once (``quoted_id``) serves both of a test's frames, and
# bytes %-formatting skips the str -> UTF-8 encode of the whole frame (~5 k instructions a
# trivial test). Durations to the nanosecond the clock has: %.9f costs a third of %r's
# shortest repr.
_START = b'{"t":"start","batch":%d,"nodeid":%s}'
_PASSED = (b'{"t":"result","batch":%d,"nodeid":%s,"outcome":"passed","when":"call",'
           b'"longrepr":"","message":"","setup_s":%.9f,"call_s":%.9f,"teardown_s":%.9f,'
           b'"stdout":"","stderr":"","log":"","line":%d}')


def quoted_id(nodeid):
    """``nodeid`` as a JSON string in UTF-8 bytes, for ``start_frame_of`` and
    ``passed_frame_of``; None when it cannot be written as UTF-8 (lone surrogates)."""
    try:
        return _json_str(nodeid).encode("utf-8")
    except (UnicodeEncodeError, TypeError):
        return None


def start_frame_of(batch, quoted):
    """The ``start`` frame, built without a dict or the encoder (the per-test hot path),
    from ``quoted_id``'s answer. None when that was None: use ``queue``."""
    if quoted is None or type(batch) is not int:
        return None
    data = _START % (batch, quoted)
    return _pack(len(data)) + data


def passed_frame_of(batch, quoted, line, setup_s, call_s, teardown_s):
    """The ``result`` of a test that passed with nothing captured, as ``start_frame_of``."""
    if quoted is None or type(batch) is not int or type(line) is not int:
        return None
    try:
        data = _PASSED % (batch, quoted, setup_s, call_s, teardown_s, line)
    except TypeError:
        return None
    return _pack(len(data)) + data


def start_frame(batch, nodeid):
    """``start_frame_of`` for a node id not quoted yet."""
    return start_frame_of(batch, quoted_id(nodeid))


def passed_frame(batch, nodeid, line, setup_s, call_s, teardown_s):
    """``passed_frame_of`` for a node id not quoted yet."""
    return passed_frame_of(batch, quoted_id(nodeid), line, setup_s, call_s, teardown_s)


def clean(s):
    """Return ``s`` as a str that encodes to UTF-8 (no lone surrogates)."""
    if isinstance(s, bytes):
        return s.decode("utf-8", "replace")
    if not isinstance(s, str):
        s = str(s)
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", s)


def _clean_obj(obj):
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, dict):
        return {clean(k): _clean_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean_obj(v) for v in obj]
    return obj


class ProtocolError(Exception):
    pass


class Channel:
    """Reads frames from ``in_fd`` and writes frames to ``out_fd``.

    After ``batch_frames(fd)`` queued frames are held in a memory file shared with the
    controller and written together (``flush_soon``), so a test costs no write and no
    wake-up of the controller; a worker that dies leaves them in the shared memory, where
    the controller reads them after the pipe's last bytes."""

    def __init__(self, in_fd, out_fd):
        self.in_fd = in_fd
        self.out_fd = out_fd
        self._buf = bytearray()
        self._pending = []
        self._pid = _os_getpid()
        self._sent = 0  # bytes written to out_fd so far: the stream offset the spill names
        self._spill = None
        self._cap = 0
        self._held = 0
        self._since = 0.0
        self._lock = None

    def batch_frames(self, fd):
        """Hold queued frames in the spill memory file ``fd`` (its size is the controller's)."""
        import mmap
        try:
            size = os.fstat(fd).st_size
            if size <= _SPILL_HEAD.size + 4096:
                return
            spill = mmap.mmap(fd, size)
        except (OSError, ValueError):
            return
        self.flush()
        self._lock = threading.Lock()
        self._cap = size - _SPILL_HEAD.size
        _SPILL_HEAD.pack_into(spill, 0, self._sent, 0)
        self._spill = spill

    def _read_exact(self, n):
        buf = self._buf
        while len(buf) < n:
            chunk = _os_read(self.in_fd, max(65536, n - len(buf)))
            if not chunk:
                return None
            buf += chunk
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def recv(self):
        """Next message as a dict, or None on EOF."""
        head = self._read_exact(4)
        if head is None:
            return None
        (size,) = _HEADER.unpack(head)
        if size > MAX_FRAME:
            raise ProtocolError("frame too large: %d" % size)
        body = self._read_exact(size)
        if body is None:
            return None
        msg = json.loads(body.decode("utf-8"))
        if not isinstance(msg, dict):
            raise ProtocolError("frame is not an object")
        return msg

    def queue(self, msg):
        """Encode ``msg`` now, write it with the next ``flush()``/``send()``."""
        if self._spill is not None:
            self._hold(self._encode(msg))
        else:
            self._pending.append(self._encode(msg))

    def queue_frame(self, frame):
        """Write an already framed message (``start_frame``) with the next flush."""
        if self._spill is not None:
            self._hold(frame)
        else:
            self._pending.append(frame)

    def flush(self):
        if self._spill is not None:
            self._check_pid()
            with self._lock:
                self._flush_spill()
            return
        if self._pending:
            data = b"".join(self._pending)
            self._pending = []
            self._write(data)

    def flush_soon(self):
        """``flush()``, unless frames are batched: then only once the held frames are
        many or old (a failure, ``send()`` and the batch's end write them at once)."""
        if self._spill is None:
            self.flush()
        elif self._held >= SPILL_FLUSH_BYTES or (
                self._held and perf_counter() - self._since >= SPILL_AGE_S):
            self.flush()

    def flush_stale(self):
        """From the worker's watch thread: write held frames older than ``SPILL_AGE_S``
        (a long test's ``start``), so the controller sees what runs."""
        if self._spill is None or not self._held or _os_getpid() != self._pid:
            return
        with self._lock:
            if self._held and perf_counter() - self._since >= SPILL_AGE_S:
                self._flush_spill()

    def send(self, msg):
        self.queue(msg)
        self.flush()

    def _check_pid(self):
        if forked or (not AT_FORK and _os_getpid() != self._pid):
            # A process forked by a test (or an import) came back into the harness:
            # only the worker itself may speak the protocol (and touch the spill).
            os._exit(0)

    def _hold(self, frame):
        self._check_pid()
        n = len(frame)
        with self._lock:
            spill = self._spill
            if self._held + n > self._cap:
                self._flush_spill()
                if n > self._cap:
                    self._write(frame)
                    _SPILL_HEAD.pack_into(spill, 0, self._sent, 0)
                    return
            off = _SPILL_HEAD.size + self._held
            spill[off:off + n] = frame
            if not self._held:
                self._since = perf_counter()
            self._held += n
            _SPILL_HEAD.pack_into(spill, 0, self._sent, self._held)

    def _flush_spill(self):
        held = self._held
        if not held:
            return
        start = _SPILL_HEAD.size
        # Dying half-way leaves the header as it was: the controller, knowing how many
        # bytes it read, takes the rest from the spill.
        self._write(memoryview(self._spill)[start:start + held])
        self._held = 0
        _SPILL_HEAD.pack_into(self._spill, 0, self._sent, 0)

    def _encode(self, msg):
        try:
            data = _dumps(msg).encode("utf-8")
        except UnicodeEncodeError:
            data = _dumps(_clean_obj(msg)).encode("utf-8")
        if len(data) > MAX_FRAME:
            # Keep the frame legal: shrink the biggest text fields.
            msg = dict(msg)
            for key in ("stdout", "stderr", "log", "longrepr"):
                if isinstance(msg.get(key), str) and len(msg[key]) > MAX_FRAME // 8:
                    msg[key] = msg[key][: MAX_FRAME // 8] + "\n[... truncated by fastest]"
            data = _dumps(_clean_obj(msg)).encode("utf-8")
        return _HEADER.pack(len(data)) + data

    def _write(self, data):
        self._check_pid()
        view = memoryview(data)
        fd = self.out_fd
        while view:
            n = _os_write(fd, view)
            self._sent += n
            view = view[n:]
