"""Async tests, Hypothesis tests and other behaviour pytest gets from plugins/hooks."""
import inspect
import sys
import warnings

from . import compat
from .nodes import FUNCTION


def _asyncio_plugin():
    return "pytest_asyncio" in sys.modules or _importable("pytest_asyncio")


def event_loop_for(run, request):
    """The loop pytest-asyncio would use: its ``event_loop`` fixture, shared by the
    test and its async fixtures; None when there is no such fixture."""
    if not request._item.chain.defs("event_loop"):
        return None
    return run.getfixturevalue(request, "event_loop")


def call_async(run, item, func, kwargs):
    marked = item.get_closest_marker("asyncio") is not None or run.asyncio_mode == "auto"
    if marked and _asyncio_plugin() and inspect.iscoroutinefunction(func):
        import asyncio
        req = item._request
        loop = event_loop_for(run, req) if req is not None else None
        if loop is not None:
            loop.run_until_complete(func(**kwargs))
            return
        loop = asyncio.new_event_loop()
        try:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(func(**kwargs))
        finally:
            asyncio.set_event_loop(None)
            loop.close()
        return
    async_skip(item)


def is_asyncio_fixture(run, fd):
    """Async fixture that pytest-asyncio would run (strict: its decorator; auto: all)."""
    func = getattr(fd.func, "__func__", fd.func)
    if not (inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)):
        return False
    if not _asyncio_plugin():
        return False
    return run.asyncio_mode == "auto" or getattr(func, "_force_asyncio_fixture", False)


def call_async_fixture(run, fd, request, func, kwargs):
    loop = event_loop_for(run, request)
    if loop is None:
        import asyncio
        loop = asyncio.new_event_loop()
        request.addfinalizer(loop.close)
    if inspect.isasyncgenfunction(getattr(func, "__func__", func)):
        agen = func(**kwargs)
        value = loop.run_until_complete(agen.__anext__())

        def finish():
            async def last():
                try:
                    await agen.__anext__()
                except StopAsyncIteration:
                    return
                raise ValueError("Async generator fixture didn't stop.Yield only once.")
            loop.run_until_complete(last())
        fd.addfinalizer(finish)
        return value
    return loop.run_until_complete(func(**kwargs))


def async_skip(item):
    msg = ("async def functions are not natively supported and have been skipped.\n"
           "You need to install a suitable plugin for your async framework, for example:\n"
           "  - anyio\n  - pytest-asyncio\n  - pytest-tornasync\n  - pytest-trio\n"
           "  - pytest-twisted")
    wt = sys.modules.get("_pytest.warning_types")
    cat = wt.PytestUnhandledCoroutineWarning if wt is not None else UserWarning
    warnings.warn(cat(msg))
    raise compat.make_skip("async def function and no async plugin installed (see warnings)")


def _importable(name):
    import importlib.util
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False


def is_async(func):
    """pytest's ``is_async_function``: a coroutine or async generator function itself
    (through bound methods and ``functools.partial``, as ``inspect`` looks), or one marked
    ``_is_coroutine``. A wrapper is not looked through: pytest calls a sync wrapper of an
    ``async def`` (tornado's ``gen_test`` runs the coroutine itself; Hypothesis's ``given``)
    and skips only when the call returns an awaitable."""
    f = getattr(func, "__func__", func)  # a static or class method seen in its class
    try:
        return bool(inspect.iscoroutinefunction(f) or getattr(f, "_is_coroutine", False)
                    or inspect.isasyncgenfunction(f))
    except Exception:
        return False


def hypothesis_checks(item, func):
    """What Hypothesis's pytest plugin checks before the call."""
    f = getattr(func, "__func__", func)
    if not getattr(f, "is_hypothesis_test", False):
        for name, attr in (("example", "hypothesis_explicit_examples"),
                           ("seed", "_hypothesis_internal_use_seed"),
                           ("settings", "_hypothesis_internal_settings_applied"),
                           ("reproduce_example", "_hypothesis_internal_use_reproduce_failure")):
            if hasattr(f, attr):
                from hypothesis.errors import InvalidArgument
                raise InvalidArgument(
                    "Using `@%s` on a test without `@given` is completely pointless." % name)
        return
    settings = getattr(f, "_hypothesis_internal_use_settings", None)
    if settings is None:
        return
    from hypothesis import HealthCheck
    from hypothesis.internal.healthcheck import fail_health_check
    if HealthCheck.function_scoped_fixture in settings.suppress_health_check:
        return
    try:
        params = set(inspect.signature(item.function).parameters)
    except (TypeError, ValueError):
        return
    for name in item.fixturenames:
        if name not in params:
            continue
        defs = item.chain.defs(name)
        if defs and defs[-1].scope_idx == FUNCTION:
            fail_health_check(settings, (
                "%s uses a function-scoped fixture %r.\n\nFunction-scoped fixtures are not "
                "reset between examples generated by `@given(...)`, which is often surprising "
                "and can cause subtle test bugs.\n\nIf this is fine, suppress this health "
                "check with `@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])`."
                % (item.nodeid, name)), HealthCheck.function_scoped_fixture)


def warn_return_not_none(item, result):
    wt = sys.modules.get("_pytest.warning_types")
    cat = getattr(wt, "PytestReturnNotNoneWarning", None) if wt is not None else None
    if cat is None:
        return
    warnings.warn(cat("Expected None, but %s returned %r, which will be an error in a future "
                      "version of pytest.  Did you mean to use `assert` instead of `return`?"
                      % (item.nodeid, result)))
