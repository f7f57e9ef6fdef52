"""pytest's two start-up checks of the ini file against what is installed (``Config``
``_checkversion`` and ``_validate_plugins``): ``minversion`` and ``required_plugins``.

Standard library only: the installed pytest and plugins are read from their
distribution metadata (never imported), and versions and specifiers are compared by
PEP 440's ordering for the forms real projects write (release segments, a/b/rc, post,
dev, ``==X.*``, ``~=``). A version this module cannot read is left unchecked rather
than refused.
"""
import re

_VERSION = re.compile(
    r"^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)"
    r"(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?"
    r"(?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d*)))?"
    r"(?:[-_.]?(dev)[-_.]?(\d*))?"
    r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$", re.I)
_PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_INF = float("inf")


def version_key(text):
    """A sort key in PEP 440's order, or None for what is not a version."""
    m = _VERSION.match(text or "")
    if not m:
        return None
    epoch, release, pre_l, pre_n, post_implicit, post_l, post_n, dev_l, dev_n = m.groups()
    rel = [int(p) for p in release.split(".")]
    while len(rel) > 1 and rel[-1] == 0:
        rel.pop()
    post = int(post_implicit) if post_implicit else (int(post_n or 0) if post_l else None)
    dev = int(dev_n or 0) if dev_l else None
    if pre_l:
        pre = (_PRE[pre_l.lower()], int(pre_n or 0))
    elif dev is not None and post is None:
        pre = (-1, 0)  # X.devN sorts before X.a0
    else:
        pre = (_INF, 0)
    return (int(epoch or 0), tuple(rel), pre, -1 if post is None else post, _INF if dev is None else dev)


def _release_prefix(text):
    m = _VERSION.match(text or "")
    return [int(p) for p in m.group(2).split(".")] if m else None


def _matches(op, spec, version):
    """``version`` (a string) against one clause ``op spec``; None when unreadable."""
    v = version_key(version)
    if v is None:
        return None
    if op in ("==", "!=") and spec.endswith(".*"):
        want, have = _release_prefix(spec[:-2]), _release_prefix(version)
        if want is None or have is None:
            return None
        have = (have + [0] * len(want))[:len(want)]
        return (have == want) == (op == "==")
    if op == "===":
        return version.strip() == spec.strip()
    s = version_key(spec)
    if s is None:
        return None
    if op == "~=":
        prefix = _release_prefix(spec)
        if prefix is None or len(prefix) < 2:
            return None
        return v >= s and _matches("==", ".".join(map(str, prefix[:-1])) + ".*", version)
    return {"==": v == s, "!=": v != s, "<=": v <= s, ">=": v >= s, "<": v < s, ">": v > s}.get(op)


_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$")
_CLAUSE = re.compile(r"^\s*(===|==|!=|~=|<=|>=|<|>)\s*([^\s,;]+)\s*$")


def requirement(text):
    """(name, [(op, version), ...]) of a PEP 508 requirement, None when it is not one
    (environment markers after ``;`` are dropped, as pytest never evaluates them)."""
    m = _NAME.match(text)
    if not m:
        return None
    rest = m.group(2).split(";", 1)[0].strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    clauses = []
    for part in rest.split(",") if rest else []:
        c = _CLAUSE.match(part)
        if not c:
            return None
        spec = c.group(2)[:-2] if c.group(1) in ("==", "!=") and c.group(2).endswith(".*") else c.group(2)
        if c.group(1) != "===" and version_key(spec) is None:
            return None  # packaging's InvalidRequirement
        clauses.append((c.group(1), c.group(2)))
    return m.group(1), clauses


def installed_version(dist_name):
    try:
        from importlib.metadata import version
        return version(dist_name)
    except Exception:
        return None


def check_minversion(minver, inipath, pytest_version):
    """pytest's message when the ini file asks for a newer pytest, else None."""
    if not minver:
        return None
    if not isinstance(minver, str):
        return "%s: 'minversion' must be a single value" % inipath
    need, have = version_key(minver), version_key(pytest_version or "")
    if need is None or have is None or need <= have:
        return None
    # pytest's text, its stray quote included.
    return "%s: 'minversion' requires pytest-%s, actual pytest-%s'" % (inipath, minver, pytest_version)


def check_required_plugins(required, plugin_versions):
    """pytest's message for the required plugins that no registered plugin's
    distribution (name -> version) satisfies, else None."""
    missing = []
    for text in sorted(required or []):
        req = requirement(text)
        if req is None or req[0] not in plugin_versions:
            missing.append(text)
            continue
        version = plugin_versions[req[0]]
        if any(_matches(op, spec, version) is False for op, spec in req[1]):
            missing.append(text)
    return "Missing required plugins: %s" % ", ".join(missing) if missing else None
