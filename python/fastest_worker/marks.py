"""skip/skipif/xfail evaluation, -k/-m matchers, filterwarnings specs (pytest's rules)."""
import os
import re
import sys
import warnings


class _MarkSkip(Exception):
    """Skip decided by a skip/skipif mark (reported at the item's location)."""


class _MarkFail(Exception):
    """A mark that cannot be evaluated (pytest fails the setup with pytrace=False)."""


def _during(cause, text):
    """pytest fails inside the ``except``: its report chains the cause, shown as its
    ``str()`` (the value style of pytrace=False), before the failure's text."""
    return "%s\n\nDuring handling of the above exception, another exception occurred:\n%s" % (
        cause, text)


class _XfailNotRun(Exception):
    pass


class XfailInfo:
    __slots__ = ("reason", "run", "strict", "raises")

    def __init__(self, reason, run, strict, raises):
        self.reason = reason
        self.run = run
        self.strict = strict
        self.raises = raises


def eval_skip(run, item):
    for mark in item.iter_markers("skipif"):
        if "condition" in mark.kwargs:
            conditions = (mark.kwargs["condition"],)
        else:
            conditions = mark.args
        if not conditions:
            raise _MarkSkip(mark.kwargs.get("reason", ""))
        for cond in conditions:
            result, reason = eval_condition(run, item, mark, cond)
            if result:
                raise _MarkSkip(reason)
    for mark in item.iter_markers("skip"):
        if mark.args:
            reason = mark.args[0]
        else:
            reason = mark.kwargs.get("reason", "unconditional skip")
        raise _MarkSkip(reason)


def eval_xfail(run, item):
    for mark in item.iter_markers("xfail"):
        kw = mark.kwargs
        run_it = kw.get("run", True)
        strict = kw.get("strict", run.xfail_strict)
        raises = kw.get("raises", None)
        if "condition" in kw:
            conditions = (kw["condition"],)
        else:
            conditions = mark.args
        if not conditions:
            return XfailInfo(kw.get("reason", ""), run_it, strict, raises)
        for cond in conditions:
            result, reason = eval_condition(run, item, mark, cond)
            if result:
                return XfailInfo(reason, run_it, strict, raises)
    return None


def eval_condition(run, item, mark, condition):
    if isinstance(condition, str):
        import platform  # only string conditions need it (pytest's globals)
        g = {"os": os, "sys": sys, "platform": platform, "config": run.config}
        # item.ihook: the plugins' and the conftests above the item only.
        for mod in run.conftest_modules_for(item):
            ns = getattr(mod, "pytest_markeval_namespace", None)
            if ns is not None:
                try:
                    g.update(ns(config=run.config))
                except Exception:
                    pass
        func = getattr(item.function, "__func__", item.function)
        g.update(getattr(func, "__globals__", {}))
        try:
            result = eval(compile(condition, "<%s condition>" % mark.name, "eval"), g)
        except SyntaxError as e:
            raise _MarkFail(_during(e, "Error evaluating %r condition\n    %s\n    %s\nSyntaxError: "
                                    "invalid syntax" % (mark.name, condition,
                                                        " " * ((e.offset or 1) - 1) + "^")))
        except Exception as e:
            raise _MarkFail(_during(e, "Error evaluating %r condition\n    %s\n%s" % (
                mark.name, condition, "".join(
                    __import__("traceback").format_exception_only(type(e), e)))))
    else:
        try:
            result = bool(condition)
        except Exception as e:
            raise _MarkFail(_during(e, "Error evaluating %r condition as a boolean\n%s" % (
                mark.name, "".join(
                    __import__("traceback").format_exception_only(type(e), e)))))
    reason = mark.kwargs.get("reason", None)
    if reason is None:
        if isinstance(condition, str):
            reason = "condition: " + condition
        else:
            raise _MarkFail("Error evaluating %r: you need to specify reason=STRING when "
                            "using booleans as conditions." % mark.name)
    return result, reason


class KeywordMatcher:
    __slots__ = ("names",)

    def __init__(self, item):
        from .tree import collector_names
        names = set()
        node = item
        while node is not None:
            if node is item.module_node:
                # pytest 7.2's chain: the module's own directory's Package only, and the
                # module named by its path from the rootdir when no package holds it.
                names.update(n for n in collector_names(node) if n is not None)
            else:
                names.add(node.name)
            node = node.parent
        names.update(item.keywords)
        for n in item.iter_markers():
            names.add(n.name)
        self.names = [n.lower() for n in names if isinstance(n, str)]

    def __call__(self, sub):
        sub = sub.lower()
        return any(sub in n for n in self.names)


class MarkMatcher:
    __slots__ = ("names",)

    def __init__(self, item):
        self.names = {m.name for m in item.iter_markers()}

    def __call__(self, name):
        return name in self.names


def selected(nodeid, prefix):
    if nodeid == prefix:
        return True
    if nodeid.startswith(prefix):
        c = nodeid[len(prefix)]
        return c == "[" or nodeid.startswith("::", len(prefix))
    return False


_ID_CUTS = re.compile(r"\[|::")


def selected_by_any(nodeid, prefixes):
    """``any(selected(nodeid, p) for p in prefixes)`` for a set of prefixes, in time linear in
    the node id rather than in the number of prefixes (the Python API selects every test
    of a module by its own id)."""
    if nodeid in prefixes:
        return True
    return any(nodeid[:m.start()] in prefixes for m in _ID_CUTS.finditer(nodeid))


class UsageError(Exception):
    """A malformed warning filter: pytest's UsageError text."""


_WARNING_DOC = "https://docs.python.org/3/library/warnings.html#describing-warning-filters"


def parse_warning_filter(arg, escape):
    """pytest's parse_warning_filter: (action, message, category, module, lineno)."""
    import re
    template = ("while parsing the following warning configuration:\n\n  %s\n\n"
                "This error occurred:\n\n%%s\n" % arg)
    parts = arg.split(":")
    if len(parts) > 5:
        raise UsageError(template % (
            "Too many fields (%d), expected at most 5 separated by colons:\n\n"
            "  action:message:category:module:line\n\nFor more information please "
            "consult: %s\n" % (len(parts), _WARNING_DOC)))
    while len(parts) < 5:
        parts.append("")
    action, message, category, module, lineno = [p.strip() for p in parts]
    try:
        action = warnings._getaction(action)
    except getattr(warnings, "_OptionError", ValueError) as e:
        raise UsageError(template % e)
    try:
        cat = _resolve_category(category)
    except UsageError as e:
        raise UsageError(template % ("UsageError: %s" % e))
    except Exception as e:
        import traceback
        raise UsageError(template % "".join(
            traceback.format_exception_only(type(e), e)).rstrip("\n"))
    if message and escape:
        message = re.escape(message)
    if module and escape:
        module = re.escape(module) + r"\Z"
    if lineno:
        try:
            lineno_i = int(lineno)
            if lineno_i < 0:
                raise ValueError("number is negative")
        except ValueError as e:
            raise UsageError(template % ("invalid lineno %r: %s" % (lineno, e)))
    else:
        lineno_i = 0
    return action, message, cat, module, lineno_i


def _resolve_category(category):
    if not category:
        return Warning
    if "." not in category:
        import builtins
        cat = getattr(builtins, category)
    else:
        mod, _, klass = category.rpartition(".")
        m = __import__(mod, None, None, [klass])
        cat = getattr(m, klass)
    if not (isinstance(cat, type) and issubclass(cat, Warning)):
        raise UsageError("%s is not a Warning subclass" % (cat,))
    return cat
