"""--collect-only's tree (pytest 7.2's _printcollecteditems): each item's collectors."""
import inspect
import json
import os
import sys

from . import compat
from .nodes import Class


def _doc(obj):
    """inspect.getdoc's lines, as pytest prints them under the node at -v."""
    if obj is None:
        return []
    try:
        return (inspect.getdoc(obj) or "").splitlines()
    except Exception:
        return []


def collector_names(mnode):
    """(package name or None, module name) of a module's collectors in pytest 7.2: every
    package directory has a Package of the session's own (a subpackage is not its
    parent's child), so only the module's own directory's package is above it; a module
    in a plain directory hangs from the session, its name the path from the rootdir."""
    names = getattr(mnode, "_collector_names", None)
    if names is None:
        d = os.path.dirname(str(mnode.path))
        pkg = os.path.basename(d) if os.path.isfile(os.path.join(d, "__init__.py")) else None
        rel = mnode.nodeid
        # FSCollector's name: the path below its parent's.
        names = (pkg, os.path.basename(rel) if pkg is not None or rel.startswith("../") else rel)
        mnode._collector_names = names
    return names


def _package(collector, mnode, docs):
    """[key, repr, doc] of the Package above a module, or None."""
    name = collector_names(mnode)[0]
    if name is None:
        return None
    d = os.path.dirname(str(mnode.path))
    doc = []
    if docs:
        names = getattr(mnode, "pkg_names", None) or []
        pkg = sys.modules.get(".".join(reversed(names))) if names else None
        doc = _doc(pkg)
    rel = os.path.relpath(d, collector.rootdir).replace(os.sep, "/")
    return ["P " + rel, "<Package %s>" % name, doc]


def _module_entry(mnode, docs):
    from .doctests import DoctestModuleNode
    rel = mnode.nodeid
    if isinstance(mnode, DoctestModuleNode):
        kind = "DoctestModule" if rel.endswith(".py") else "DoctestTextfile"
    else:
        kind = "Module"
    name = collector_names(mnode)[1]
    doc = _doc(mnode.obj) if docs and kind != "DoctestTextfile" else []
    return [kind + " " + rel, "<%s %s>" % (kind, name), doc]


def _item_kind(item):
    from .doctests import DoctestItem
    if isinstance(item, DoctestItem):
        return "DoctestItem"
    return "TestCaseFunction" if item.kind == "unittest" else "Function"


def item_chain(collector, item, docs):
    """JSON text: [[key, repr, doc lines], ...] from the item's top collector below the session
    down to the item; ``doc`` (inspect.getdoc of the node's object) only when ``docs``."""
    chain = item.listchain()
    mnode = chain[0]
    out = []
    pkg = _package(collector, mnode, docs)
    if pkg is not None:
        out.append(pkg)
    out.append(_module_entry(mnode, docs))
    for node in chain[1:-1]:
        if isinstance(node, Class):
            ut = compat.is_unittest_case(node.obj)
            out.append(["C " + node.nodeid, "<%s %s>" % ("UnitTestCase" if ut else "Class", node.name),
                        _doc(node.obj) if docs else []])
    out.append(["", "<%s %s>" % (_item_kind(item), item.name), _doc(item.obj) if docs else []])
    return json.dumps(out)
