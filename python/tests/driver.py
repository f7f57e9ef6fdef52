"""A tiny pure-Python controller: launches a worker over real pipes (docs/protocol.md)."""
import json
import os
import select
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
MAIN = os.path.join(PYTHON_DIR, "fastest_worker_main.py")
PROJECTS = os.path.join(HERE, "projects")



def require(python_code, what, python="/usr/bin/python3"):
    """Fails (never skips) when ``python`` cannot run ``python_code``: a test that needs
    something the machine lacks says what, and scripts/setup is where it comes from."""
    proc = subprocess.run([python, "-c", python_code], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise AssertionError(f"{what} is missing (scripts/setup provides it): "
                             + proc.stdout.decode("utf-8", "replace")[-500:])

class WorkerDied(Exception):
    pass


class Worker:
    """One worker process; ``run()`` returns the messages of one batch."""

    def __init__(self, rootdir, python=None, capture="fd", keyword="", markexpr="", ini=None,
                 cwd=None, env=None, basetemp="", cache_dir="", exitfirst=False,
                 run_xfail=False, timeout=120, import_mode="prepend", dump_fd=False,
                 args=None, options=None, worker_id=None, worker_count=None,
                 invocation_dir=None, config_extra=None):
        self.timeout = timeout
        c2w_r, c2w_w = os.pipe()
        w2c_r, w2c_w = os.pipe()
        dump_r, dump_w = os.pipe() if dump_fd else (-1, -1)

        def child_setup():
            os.setpgid(0, 0)
            a = os.dup(c2w_r)
            b = os.dup(w2c_w)
            a = os.dup2(a, 100)
            b = os.dup2(b, 101)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.close(a)
            os.close(b)
            if dump_w >= 0:
                c = os.dup2(os.dup(dump_w), 102)
                os.dup2(c, 5)
                os.close(c)

        flags = ["--in-fd", "3", "--out-fd", "4"] + (["--dump-fd", "5"] if dump_fd else [])
        self.proc = subprocess.Popen(
            [python or sys.executable, MAIN] + flags,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=child_setup, close_fds=False, cwd=cwd or rootdir, env=env)
        os.close(c2w_r)
        os.close(w2c_w)
        self.dump_fd = dump_r
        if dump_w >= 0:
            os.close(dump_w)
        self.wfd = c2w_w
        self.rfd = w2c_r
        self.buf = bytearray()
        self.pos = 0
        self.ready = self.recv()
        assert self.ready["t"] == "ready", self.ready
        config = {"t": "config", "protocol": 2, "rootdir": rootdir, "capture": capture,
                  "import_mode": import_mode, "keyword": keyword, "markexpr": markexpr,
                  "verbose": 0, "exitfirst": exitfirst, "run_xfail": run_xfail,
                  "ini": ini or {}, "basetemp": basetemp, "cache_dir": cache_dir}
        # With the protocol-2 start-up fields the worker answers `configured` or `fatal`;
        # without them it behaves as under a protocol-1 controller.
        v2 = args is not None or options is not None or worker_id is not None
        if v2:
            config.update(args=list(args or []), options=dict(options or {}),
                          invocation_dir=invocation_dir or cwd or rootdir,
                          worker_id=worker_id or "master", worker_count=worker_count or 1)
        config.update(config_extra or {})
        self.send(config)
        self.startup = self.recv() if v2 else None
        self.batch = 0

    def send(self, msg):
        data = json.dumps(msg).encode("utf-8")
        os.write(self.wfd, struct.pack(">I", len(data)) + data)

    def _read(self, n):
        deadline = None
        while len(self.buf) - self.pos < n:
            if deadline is None:
                deadline = time.monotonic() + self.timeout
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("worker did not answer")
            r, _, _ = select.select([self.rfd], [], [], left)
            if not r:
                continue
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise WorkerDied("worker closed its pipe (exit %r)" % (self.proc.poll(),))
            if self.pos:
                del self.buf[:self.pos]
                self.pos = 0
            self.buf += chunk
        data = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return data

    def recv(self):
        (n,) = struct.unpack(">I", self._read(4))
        return json.loads(self._read(n).decode("utf-8"))

    def run(self, module, select=(), collect_only=False):
        self.batch += 1
        msg = {"t": "run", "batch": self.batch, "module": module, "select": list(select)}
        if collect_only:
            msg["collect_only"] = True
        self.send(msg)
        msgs = []
        while True:
            m = self.recv()
            msgs.append(m)
            if m["t"] in ("batch_done", "fatal"):
                return msgs

    def shutdown(self):
        try:
            self.send({"t": "shutdown"})
        except OSError:
            pass
        try:
            out, err = self.proc.communicate(timeout=30)
        finally:
            os.close(self.wfd)
            os.close(self.rfd)
        return self.proc.returncode, out, err

    def kill(self):
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.communicate()
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass


def close_workers(workers):
    """Kill workers still running and close their output pipes (test tearDown)."""
    for w in workers:
        if w.proc.poll() is None:
            w.kill()
        for f in (w.proc.stdout, w.proc.stderr):
            if f is not None:
                f.close()


def results(msgs):
    """nodeid -> result message."""
    return {m["nodeid"]: m for m in msgs if m["t"] == "result"}


def outcomes(msgs):
    return {m["nodeid"]: m["outcome"] for m in msgs if m["t"] == "result"}


def find_modules(rootdir, start=None, patterns=("test_*.py", "*_test.py")):
    import fnmatch
    out = []
    for dirpath, dirnames, filenames in os.walk(start or rootdir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__pycache__")))
        for f in sorted(filenames):
            if any(fnmatch.fnmatch(f, p) for p in patterns):
                out.append(os.path.relpath(os.path.join(dirpath, f), rootdir))
    return out


def run_project(rootdir, modules=None, **kw):
    """Run every module in one worker; returns (nodeid -> outcome, all messages)."""
    w = Worker(rootdir, **kw)
    allmsgs = []
    try:
        for mod in modules or find_modules(rootdir):
            allmsgs.extend(w.run(mod))
    finally:
        w.shutdown()
    return outcomes(allmsgs), allmsgs


if __name__ == "__main__":
    root = os.path.abspath(sys.argv[1])
    mods = sys.argv[2:] or None
    outs, msgs = run_project(root, mods, python=os.environ.get("PY"))
    for m in msgs:
        if m["t"] == "result":
            print(m["outcome"], m["nodeid"])
            if m["outcome"] in ("failed", "error") or m.get("teardown_error"):
                print("   ", (m["longrepr"] + m.get("teardown_error", "")).replace("\n", "\n    "))
        elif m["t"] == "collect_error":
            print("COLLECT_ERROR", m["module"], m["longrepr"])
