"""Failure text in the shape of pytest's long tracebacks."""
import linecache
import os
import traceback

_HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SEP = "_ " * 40


def _hidden(frame):
    try:
        if frame.f_locals.get("__tracebackhide__"):
            return True
        if frame.f_globals.get("__tracebackhide__"):
            return True
    except Exception:
        return False
    return False


def _is_internal(filename):
    return filename.startswith(_HERE) or (os.sep + "_pytest" + os.sep) in filename \
        or (os.sep + "pluggy" + os.sep) in filename


def cut_entries(tb, cut=True, hide=True):
    """(frame, lineno) pairs worth showing: harness frames dropped, hidden frames dropped
    (unless ``hide`` is false: ``--full-trace``)."""
    entries = []
    while tb is not None:
        entries.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    if not cut:
        return entries
    i = 0
    while i < len(entries) and entries[i][0].f_code.co_filename.startswith(_HERE):
        i += 1
    entries = entries[i:]
    if not hide:
        return entries
    shown = [e for e in entries if not _hidden(e[0])]
    if shown:
        entries = shown
    if len(entries) > 1:
        trimmed = [e for e in entries if not _is_internal(e[0].f_code.co_filename)]
        if trimmed:
            entries = trimmed
    return entries


def exconly(e):
    lines = traceback.format_exception_only(type(e), e)
    text = "".join(lines).rstrip("\n")
    # pytest drops the prefix only when repr(exc) starts with "AssertionError('assert "
    # (so not for messages that contain a single quote); same quirk here.
    if isinstance(e, AssertionError) and text.startswith("AssertionError: assert "):
        try:
            plain = repr(e).startswith("AssertionError('assert ")
        except Exception:
            plain = False
        if plain:
            return text[len("AssertionError: "):]
    name = type(e).__name__
    mod = type(e).__module__
    if mod == "_pytest.outcomes" or mod == "builtins":
        prefix = mod + "." + name + ": " if mod != "builtins" else None
        if prefix and text.startswith(prefix):
            text = text[len(prefix) - len(name) - 2:]
    return text


def _entry_source(frame, lineno):
    code = frame.f_code
    filename = code.co_filename
    first = code.co_firstlineno
    if code.co_name == "<module>":
        first = max(1, lineno)
    if lineno < first or lineno - first > 200:
        first = lineno
    lines = []
    for n in range(first, lineno + 1):
        lines.append(linecache.getline(filename, n, frame.f_globals).rstrip("\n").rstrip("\r"))
    if not any(lines):
        return [], 0
    return lines, lineno - first


def _dedent(lines):
    indents = [len(l) - len(l.lstrip()) for l in lines if l.strip()]
    cut = min(indents) if indents else 0
    return [l[cut:] for l in lines]


def _shown_path(fname, cwd):
    # pytest's FormattedExcinfo._makepath: the path relative to the current (invocation)
    # directory, "../" included, when that is shorter than the absolute one.
    if cwd and os.path.isabs(fname):  # not "<frozen importlib._bootstrap>"
        try:
            rel = os.path.relpath(fname, cwd)
            if len(rel) < len(fname):
                return rel
        except ValueError:
            pass
    return fname


class Style:
    """``--tb``, ``-l/--showlocals``, ``--full-trace`` (set once per worker)."""
    tbstyle = "auto"
    showlocals = False
    fulltrace = False


def configure(options):
    style = str(getattr(options, "tbstyle", "auto") or "auto")
    Style.fulltrace = bool(getattr(options, "fulltrace", False))
    Style.tbstyle = "long" if Style.fulltrace and style in ("auto", "short") else style
    Style.showlocals = bool(getattr(options, "showlocals", False))


def _funcargs_lines(frame):
    """pytest's ReprFuncArgs: ``name = repr`` joined on lines of at most 80 columns."""
    from .assertrepr import saferepr
    code = frame.f_code
    # pytest's Code.getargs(var=True) adds the CO_VARARGS/CO_VARKEYWORDS flag values.
    n = code.co_argcount + (code.co_flags & 4) + (code.co_flags & 8)
    out = []
    line = ""
    for name in code.co_varnames[:n]:
        if name not in frame.f_locals:
            continue
        ns = "%s = %s" % (name, saferepr(frame.f_locals[name]))
        if len(ns) + len(line) + 2 > 80:
            if line:
                out.append(line)
            line = ns
        else:
            line = line + ", " + ns if line else ns
    if line:
        out.append(line)
    return out


def _locals_lines(frame, indent=""):
    from .assertrepr import saferepr
    out = []
    for name in sorted(n for n in frame.f_locals if n[:1] != "@"):
        if name == "__builtins__":
            out.append(indent + "__builtins__ = <builtins>")
        else:
            out.append("%s%-10s = %s" % (indent, name, saferepr(frame.f_locals[name])))
    return out


def _long_entry(out, frame, lineno, e, last, fname):
    args = _funcargs_lines(frame)
    if args:
        out.extend(args)
        out.append("")
    src, fail_idx = _entry_source(frame, lineno)
    src = _dedent(src)
    for i, line in enumerate(src):
        out.append((">   " if i == fail_idx else "    ") + line)
    if last:
        failing = src[fail_idx] if src else ""
        ind = 4 + len(failing) - len(failing.lstrip())
        for line in exconly(e).split("\n"):
            out.append("E" + " " * (ind - 1) + line)
    if Style.showlocals:
        out.append("")
        out.extend(_locals_lines(frame))
    out.append("")
    out.append("%s:%d: %s" % (fname, lineno, type(e).__name__ if last else ""))


def format_entries(entries, e, cwd=None, style=None):
    """pytest's long/short/auto styles ('auto': first and last entries long, the rest short)."""
    out = []
    n = len(entries)
    style = style or Style.tbstyle
    if style == "long":
        styles = ["long"] * n
    elif style == "short":
        styles = ["short"] * n
    else:
        styles = ["long" if i in (0, n - 1) else "short" for i in range(n)]
    for idx, (frame, lineno) in enumerate(entries):
        last = idx == n - 1
        fname = _shown_path(frame.f_code.co_filename, cwd)
        if styles[idx] == "short":
            line = linecache.getline(frame.f_code.co_filename, lineno, frame.f_globals).strip()
            out.append("%s:%d: in %s" % (fname, lineno, frame.f_code.co_name))
            out.append("    " + line)
            if last:
                out.extend("E   " + x for x in exconly(e).split("\n"))
            if Style.showlocals:
                out.extend(_locals_lines(frame, " " * 8))
        else:
            # pytest's ReprTraceback: an empty line before every long entry (the first too).
            out.append("")
            _long_entry(out, frame, lineno, e, last, fname)
        if not last and (styles[idx] == "long" or styles[idx + 1] == "long"):
            out.append(_SEP)
    return "\n".join(out)


def _chain(e):
    chain = []
    seen = set()
    cur = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        chain.append(cur)
        if cur.__cause__ is not None:
            cur = cur.__cause__
        elif cur.__context__ is not None and not cur.__suppress_context__:
            cur = cur.__context__
        else:
            cur = None
    chain.reverse()
    return chain


def format_failure(e, cwd=None, cut=True):
    """Report for an exception raised by a test, fixture or teardown, in the ``--tb`` style."""
    style = Style.tbstyle
    if style == "no":
        return ""
    if style == "line":
        fn, line = crash_location(e)
        return "%s:%d: %s" % (fn or "?", line, exconly(e).split("\n", 1)[0])
    if style == "native":
        return _format_native(e)
    parts = []
    chain = _chain(e)
    for i, exc in enumerate(chain):
        entries = cut_entries(exc.__traceback__, cut, hide=not Style.fulltrace)
        if entries:
            parts.append(format_entries(entries, exc, cwd, style))
        else:
            parts.append("E   " + exconly(exc).replace("\n", "\nE   "))
        if i < len(chain) - 1:
            # The next traceback opens with its own empty line when its first entry is long.
            if chain[i + 1].__cause__ is exc:
                parts.append("\nThe above exception was the direct cause of the following exception:")
            else:
                parts.append("\nDuring handling of the above exception, another exception occurred:")
    return "\n".join(parts)


def _format_native(e):
    """``--tb=native``: Python's own traceback from the test's first frame on."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_HERE):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb)).rstrip("\n")


def format_exception(e, short=False):
    """Plain Python traceback without the harness's frames."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_HERE):
        tb = tb.tb_next
    # importlib's own frames tell the user nothing.
    frames = []
    t = tb
    while t is not None:
        if "importlib._bootstrap" not in t.tb_frame.f_code.co_filename:
            frames.append(t)
        t = t.tb_next
    lines = []
    for t in frames:
        fs = traceback.FrameSummary(t.tb_frame.f_code.co_filename, t.tb_lineno,
                                    t.tb_frame.f_code.co_name)
        lines.append('  File "%s", line %d, in %s\n' % (fs.filename, fs.lineno, fs.name))
        if fs.line:
            lines.append("    %s\n" % fs.line.strip())
    text = "".join(lines)
    exc = "".join(traceback.format_exception_only(type(e), e)).rstrip("\n")
    if short:
        return text + "E   " + exc.replace("\n", "\nE   ")
    return "Traceback (most recent call last):\n" + text + exc


def format_import_traceback(e, cwd):
    """pytest's short-style report of an import pytest does not cut (a test module that
    does not compile, a conftest the session's walk imports): every frame of the import,
    importlib's frozen ones as ``???``, then Python's own exception lines (a SyntaxError's
    caret included) under ``E``. The harness's frames, which stand where pytest's own
    import frames stand, are left out."""
    out = []
    tb = e.__traceback__
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if not fn.startswith(_HERE):
            out.append("%s:%d: in %s" % (_shown_path(fn, cwd), tb.tb_lineno,
                                         tb.tb_frame.f_code.co_name))
            line = linecache.getline(fn, tb.tb_lineno, tb.tb_frame.f_globals).strip()
            out.append("    " + (line or "???"))
        tb = tb.tb_next
    exc = "".join(traceback.format_exception_only(type(e), e)).rstrip("\n")
    out.extend("E   " + x for x in exc.split("\n"))
    return "\n".join(out)


def crash_location(e):
    """(filename, lineno) of the innermost shown frame of ``e``."""
    entries = cut_entries(e.__traceback__)
    if not entries:
        return None, 0
    frame, lineno = entries[-1]
    return frame.f_code.co_filename, lineno


def format_skip_location(e):
    fn, line = crash_location(e)
    return fn, line


def format_short_traceback(e, cwd, start=None, importlib=True):
    """pytest's short style for an import error: ``path:line: in name`` entries, E lines;
    from the first frame in file ``start`` when there is one (pytest's traceback.cut);
    ``importlib`` false leaves importlib's frames out (pytest's filter for a conftest
    that fails at start-up)."""
    out = []
    tb = e.__traceback__
    if start is not None:
        t = tb
        while t is not None and t.tb_frame.f_code.co_filename != start:
            t = t.tb_next
        tb = t or tb
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if not fn.startswith(_HERE) and "importlib._bootstrap" not in fn and not _is_internal(fn) \
                and (importlib or "importlib" not in fn.split(os.sep)):
            out.append("%s:%d: in %s" % (_shown_path(fn, cwd), tb.tb_lineno,
                                         tb.tb_frame.f_code.co_name))
            line = linecache.getline(fn, tb.tb_lineno, tb.tb_frame.f_globals).strip()
            if line:
                out.append("    " + line)
        tb = tb.tb_next
    exc = "".join(traceback.format_exception_only(type(e), e)).rstrip("\n")
    out.extend("E   " + x for x in exc.split("\n"))
    return "\n".join(out)


def hook_error(e, cwd):
    """A collection hook's exception as pytest reports it: the collector's short-style
    traceback (pluggy's frames, which native has not, aside) and the crash line for the
    short summary."""
    from .parametrize import CollectError
    return CollectError(format_short_traceback(e, cwd), message=exconly(e))


def qualified_name(cls):
    mod = getattr(cls, "__module__", "builtins")
    return cls.__qualname__ if mod == "builtins" else "%s.%s" % (mod, cls.__qualname__)


def sep(char, title, width=80):
    """pytest's TerminalWriter.sep for an 80-column terminal."""
    n = max((width - len(title) - 2) // 2, 1)
    line = "%s %s %s" % (char * n, title, char * n)
    if len(line) + 1 <= width:
        line += char
    return line
