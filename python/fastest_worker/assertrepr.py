"""Explanations for failed bare asserts (called from rewritten test modules)."""
import reprlib

MAXSIZE = 240
verbose = 0


def _repr_failure(exc, obj):
    try:
        info = repr(exc)
    except BaseException:  # noqa: B902
        info = "unpresentable exception"
    return "<[%s raised in repr()] %s object at 0x%x>" % (info, type(obj).__name__, id(obj))


def _ellipsize(s, maxsize):
    if maxsize is not None and len(s) > maxsize:
        i = max(0, (maxsize - 3) // 2)
        j = max(0, maxsize - 3 - i)
        return s[:i] + "..." + s[len(s) - j:]
    return s


class _SafeRepr(reprlib.Repr):
    """reprlib's container limits plus a size cap and broken-__repr__ safety (as pytest)."""

    def __init__(self, maxsize):
        super().__init__()
        self.maxstring = maxsize if maxsize is not None else 1_000_000_000
        self.maxsize = maxsize

    def repr(self, x):
        try:
            s = super().repr(x)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: B902
            s = _repr_failure(e, x)
        return _ellipsize(s, self.maxsize)

    def repr_instance(self, x, level):
        try:
            s = repr(x)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: B902
            s = _repr_failure(e, x)
        return _ellipsize(s, self.maxsize)


_reprs = {}


def saferepr(obj, maxsize=MAXSIZE):
    r = _reprs.get(maxsize)
    if r is None:
        r = _reprs[maxsize] = _SafeRepr(maxsize)
    return r.repr(obj)


def _istext(x):
    return isinstance(x, str)


def _issequence(x):
    return isinstance(x, (list, tuple, bytes, bytearray)) or (
        hasattr(x, "__getitem__") and hasattr(x, "__len__") and not isinstance(
            x, (str, dict, set, frozenset)) and type(x).__module__ == "collections")


def _isdict(x):
    return isinstance(x, dict)


def _isset(x):
    return isinstance(x, (set, frozenset))


def _isiterable(x):
    try:
        iter(x)
        return not _istext(x)
    except Exception:
        return False


def _diff_text(left, right):
    expl = []
    if verbose < 1:
        i = 0
        for i in range(min(len(left), len(right))):
            if left[i] != right[i]:
                break
        if i > 42:
            i -= 10
            expl = ["Skipping %s identical leading characters in diff, use -v to show" % i]
            left = left[i:]
            right = right[i:]
        if len(left) == len(right):
            for i in range(len(left)):
                if left[-i] != right[-i]:
                    break
            if i > 42:
                i -= 10
                expl.append("Skipping %s identical trailing characters in diff, use -v to show" % i)
                left = left[:-i]
                right = right[:-i]
    if left.isspace() or right.isspace():
        left = repr(str(left))
        right = repr(str(right))
        expl.append("Strings contain only whitespace, escaping them using repr()")
    expl.extend(line.strip("\n") for line in ndiff(right.splitlines(True), left.splitlines(True)))
    return expl


def _compare_sequence(left, right):
    expl = []
    is_bytes = isinstance(left, bytes) and isinstance(right, bytes)
    for i in range(min(len(left), len(right))):
        if left[i] != right[i]:
            if is_bytes:
                lv, rv = left[i:i + 1], right[i:i + 1]
            else:
                lv, rv = left[i], right[i]
            expl.append("At index %d diff: %s != %s" % (i, saferepr(lv), saferepr(rv)))
            break
    if is_bytes:
        return expl
    diff = len(left) - len(right)
    if diff:
        if diff > 0:
            side, extra = "Left", saferepr(left[len(right)])
        else:
            diff = -diff
            side, extra = "Right", saferepr(right[len(left)])
        if diff == 1:
            expl.append("%s contains one more item: %s" % (side, extra))
        else:
            expl.append("%s contains %d more items, first extra item: %s" % (side, diff, extra))
    return expl


def _compare_set(left, right):
    expl = []
    dl = left - right
    dr = right - left
    if dl:
        expl.append("Extra items in the left set:")
        expl.extend(saferepr(x) for x in dl)
    if dr:
        expl.append("Extra items in the right set:")
        expl.extend(saferepr(x) for x in dr)
    return expl


def _compare_dict(left, right):
    expl = []
    common = set(left).intersection(right)
    same = {k: left[k] for k in common if left[k] == right[k]}
    if same and verbose < 2:
        expl.append("Omitting %s identical items, use -vv to show" % len(same))
    elif same:
        expl.append("Common items:")
        expl.extend(_pformat(same).splitlines())
    diff = {k for k in common if left[k] != right[k]}
    if diff:
        expl.append("Differing items:")
        for k in diff:
            expl.append(saferepr({k: left[k]}) + " != " + saferepr({k: right[k]}))
    for side, a, b in (("Left", left, right), ("Right", right, left)):
        extra = [k for k in a if k not in b]
        if extra:
            expl.append("%s contains %d more item%s:" % (side, len(extra), "" if len(extra) == 1 else "s"))
            expl.extend(_pformat({k: a[k] for k in extra}).splitlines())
    return expl


def _compare_eq(left, right):
    if _istext(left) and _istext(right):
        return _diff_text(left, right)
    expl = []
    approx = None
    for side, other in ((left, right), (right, left)):
        if type(side).__name__.startswith("Approx") and hasattr(side, "_repr_compare"):
            approx = (side, other)
            break
    if approx is not None:
        try:
            return list(approx[0]._repr_compare(approx[1]))
        except Exception:
            return []
    if _issequence(left) and _issequence(right):
        expl = _compare_sequence(left, right)
    elif _isset(left) and _isset(right):
        expl = _compare_set(left, right)
    elif _isdict(left) and _isdict(right):
        expl = _compare_dict(left, right)
    if _isiterable(left) and _isiterable(right):
        expl.extend(_full_diff(left, right))
    return expl


def _running_on_ci():
    """pytest's running_on_ci(): the full diff is shown there whatever the verbosity."""
    import os
    return "CI" in os.environ or "BUILD_NUMBER" in os.environ


def _pformat(obj):
    import pprint
    return pprint.pformat(obj)


def ndiff(a, b):
    import difflib
    return difflib.ndiff(a, b)


_always_dispatching = None


def _AlwaysDispatching():
    """A pretty printer that lays out every container it knows over lines, fitting or not
    (the layout pytest re-formats with when the two sides' line counts differ). Made on
    first use: pprint and difflib are only needed for a failure's explanation."""
    global _always_dispatching
    if _always_dispatching is None:
        import pprint

        class AlwaysDispatching(pprint.PrettyPrinter):
            def _format(self, obj, stream, indent, allowance, context, level):
                p = self._dispatch.get(type(obj).__repr__, None)
                if p is None or id(obj) in context:
                    return pprint.PrettyPrinter._format(self, obj, stream, indent, allowance,
                                                        context, level)
                context[id(obj)] = 1
                p(self, obj, stream, indent, allowance, context, level + 1)
                del context[id(obj)]
        _always_dispatching = AlwaysDispatching
    return _always_dispatching()


def _own_line_brackets(lines):
    """The opening and closing bracket of a multi-line layout on lines of their own."""
    opening = lines[0][:1]
    if opening in ("(", "[", "{"):
        lines[:] = [opening, " " + lines[0][1:]] + lines[1:]
    closing = lines[-1][-1:]
    if closing in (")", "]", "}"):
        lines[:] = lines[:-1] + [lines[-1][:-1] + ",", closing]


def _full_diff(left, right):
    """pytest's _compare_eq_iterable: the ndiff of both sides' pretty forms (expected
    first), unless quiet and not on CI."""
    if verbose <= 0 and not _running_on_ci():
        return ["Use -v to get more diff"]
    lf = _pformat(left).splitlines()
    rf = _pformat(right).splitlines()
    if len(lf) != len(rf):
        lf = _AlwaysDispatching().pformat(left).splitlines()
        rf = _AlwaysDispatching().pformat(right).splitlines()
    if len(lf) > 1 or len(rf) > 1:
        _own_line_brackets(lf)
        _own_line_brackets(rf)
    return ["Full diff:"] + [line.rstrip() for line in ndiff(rf, lf)]


def _notin_text(term, text):
    index = text.find(term)
    head = text[:index]
    tail = text[index + len(term):]
    diff = _diff_text(text, head + tail)
    out = ["%s is contained here:" % saferepr(term, maxsize=42)]
    for line in diff:
        if line.startswith("Skipping") or line.startswith("- "):
            continue
        if line.startswith("+ "):
            out.append("  " + line[2:])
        else:
            out.append(line)
    return out


def explain_compare(op, left, right):
    """Detail lines for ``left op right`` (pytest's assertrepr_compare)."""
    try:
        if op == "==":
            return _compare_eq(left, right)
        if op == "not in" and _istext(left) and _istext(right):
            return _notin_text(left, right)
        if op == "!=" and _isset(left) and _isset(right):
            return ["Both sets are equal"]
    except Exception as e:  # an explanation must never replace the real failure
        return ["(pytest_assertion plugin: representation of details failed: %r)" % (e,)]
    return []


def _full_repr(obj):
    """``-vv``: the whole repr (pytest's saferepr_unlimited)."""
    try:
        return repr(obj)
    except BaseException as e:  # noqa: B902
        return _repr_failure(e, obj)


_MAX_LINES = 8
_MAX_CHARS = 8 * 80


def _truncate(lines):
    """pytest's assertion truncation (below -vv, not on CI): at most 8 lines and 640
    characters of the explanation (its first line included), the last one kept ending in
    ``...``, then how many lines were hidden."""
    if len(lines) <= _MAX_LINES and len("".join(lines)) <= _MAX_CHARS:
        return lines
    kept = lines[:_MAX_LINES]
    if len("".join(kept)) > _MAX_CHARS:
        count = 0
        for i, line in enumerate(kept):
            if count + len(line) > _MAX_CHARS:
                break
            count += len(line)
        last = kept[i][:_MAX_CHARS - count] if kept[i] else kept[i]
        kept = kept[:i] + [last]
    kept[-1] += "..."
    hidden = len(lines) - len(kept) + 1
    return kept + ["", "...Full output truncated (%d line%s hidden), use '-vv' to show"
                   % (hidden, "" if hidden == 1 else "s")]


# ------------------------------------------------- called from rewritten asserts

def expl_repr(obj):
    """A value in an explanation: saferepr sized by verbosity (240, 2400 at -v, whole at
    -vv), newlines escaped so that they cannot pass for the explanation's own markup."""
    size = None if verbose >= 2 else MAXSIZE * 10 if verbose >= 1 else MAXSIZE
    return saferepr(obj, size).replace("\n", "\\n")


def repr_global(obj):
    """Whether a global name is shown by its value: not a function, class or module."""
    if callable(obj):
        return False
    try:
        return not hasattr(obj, "__name__")
    except Exception:
        return True


def format_assertmsg(obj):
    """The assert's own message: its newlines kept (``\\n~``), its ``%`` escaped."""
    replaces = [("\n", "\n~"), ("%", "%%")]
    if not isinstance(obj, str):
        obj = saferepr(obj)
        replaces.append(("\\n", "\n~"))
    for old, new in replaces:
        obj = obj.replace(old, new)
    return obj


def format_boolop(explanations, is_or):
    return ("(" + (" or " if is_or else " and ").join(explanations) + ")").replace("%", "%%")


hook = None  # conftests' pytest_assertrepr_compare for the running test: (op, l, r) -> lines


def _compare_lines(op, left, right):
    """pytest's assertrepr_compare: the summary line and the detail lines, or None."""
    if hook is not None:
        lines = hook(op, left, right)
        if lines:
            return lines
    detail = explain_compare(op, left, right)
    if not detail:
        return None
    if verbose > 1:
        head = "%s %s %s" % (_full_repr(left), op, _full_repr(right))
    else:
        width = (80 - 15 - len(op) - 2) // 2
        head = "%s %s %s" % (saferepr(left, width), op, saferepr(right, width))
    return [head] + detail


def reprcompare(ops, results, expls, operands):
    """The explanation of a comparison chain: of its first false link, pytest's detailed
    one when there is one (cut below -vv off CI), else ``left op right``."""
    for i, res in enumerate(results):
        try:
            done = not res
        except Exception:
            done = True
        if done:
            break
    lines = _compare_lines(ops[i], operands[i], operands[i + 1])
    if not lines:
        return expls[i]
    if verbose < 2 and not _running_on_ci():
        lines = _truncate(lines)
    return "\n~".join(line.replace("\n", "\\n") for line in lines).replace("%", "%%")


def format_explanation(text):
    """pytest's format_explanation: ``\\n{`` opens a ``where``/``and`` line one level
    deeper, ``\\n}`` closes it, ``\\n~`` and ``\\n>`` continue on a new line; any other
    newline is shown escaped."""
    lines = []
    for i, part in enumerate((text or "").split("\n")):
        if i and part and part[0] in "{}~>":
            lines.append(part)
        elif lines:
            lines[-1] += "\\n" + part
        else:
            lines.append(part)
    out = lines[:1]
    stack = [0]
    counts = [0]
    for line in lines[1:]:
        kind, rest = line[0], line[1:]
        if kind == "{":
            word = "and   " if counts[-1] else "where "
            stack.append(len(out))
            counts[-1] += 1
            counts.append(0)
            out.append(" +" + "  " * (len(stack) - 1) + word + rest)
        elif kind == "}":
            stack.pop()
            counts.pop()
            out[stack[-1]] += rest
        else:
            stack[-1] += 1
            out.append("  " * (len(stack) if kind == "~" else len(stack) - 1) + rest)
    return "\n".join(out)
