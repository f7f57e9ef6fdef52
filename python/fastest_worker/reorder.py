"""pytest's item reordering for higher-scoped parametrization (fixtures.reorder_items)."""
import os
from collections import deque


def _param_keys(item, scope):
    cs = item.callspec
    if cs is None:
        return ()
    keys = []
    for name, idx in sorted(cs.indices.items()):
        if cs.scopes.get(name, 4) != scope:
            continue
        if scope == 0:
            keys.append((name, idx))
        elif scope == 1:
            keys.append((name, idx, os.path.dirname(str(item.path))))
        elif scope == 2:
            keys.append((name, idx, str(item.path)))
        else:
            keys.append((name, idx, str(item.path), item.cls))
    return keys


def reorder_items(items):
    """pytest's reorder_items: group items that share a higher-scoped param value."""
    if not any(i.callspec is not None for i in items):
        return items
    argkeys = {}
    by_key = {}
    for scope in (0, 1, 2, 3):
        d = {}
        bk = {}
        for it in items:
            keys = dict.fromkeys(_param_keys(it, scope))
            if keys:
                d[it] = keys
                for k in keys:
                    bk.setdefault(k, deque()).append(it)
        argkeys[scope] = d
        by_key[scope] = bk
    return list(_reorder_at(dict.fromkeys(items), argkeys, by_key, 0))


def _fix_cache_order(item, argkeys, by_key):
    for scope in (0, 1, 2, 3):
        for key in argkeys[scope].get(item, ()):
            by_key[scope][key].appendleft(item)


def _reorder_at(items, argkeys, by_key, scope):
    if scope >= 4 or len(items) < 3:
        return items
    ignore = set()
    todo = deque(items)
    done = {}
    scoped_by_key = by_key[scope]
    scoped_keys = argkeys[scope]
    while todo:
        no_key = {}
        slicing = None
        while todo:
            item = todo.popleft()
            if item in done or item in no_key:
                continue
            keys = dict.fromkeys(k for k in scoped_keys.get(item, ()) if k not in ignore)
            if not keys:
                no_key[item] = None
            else:
                slicing, _ = keys.popitem()
                matching = [i for i in scoped_by_key[slicing] if i in items]
                for i in reversed(matching):
                    _fix_cache_order(i, argkeys, by_key)
                    todo.appendleft(i)
                break
        if no_key:
            no_key = _reorder_at(no_key, argkeys, by_key, scope + 1)
            for item in no_key:
                done[item] = None
        ignore.add(slicing)
    return done
