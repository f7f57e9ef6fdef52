"""xunit-style setup/teardown and unittest setUpClass as autouse fixtures (pytest's way)."""
import inspect
import sys
import warnings

from . import compat
from . import fixtures as fx


def has_nose(config):
    """pytest's builtin nose plugin (``-p no:nose`` turns it off), not the nose library:
    pytest 7 runs nose-style ``setup``/``teardown`` whether nose is installed or not."""
    return "nose" not in (getattr(config, "disabled_plugins", None) or ())


def inject_module(mod, level, nodeid, nose=False):
    setup = _first_plain(mod, ("setUpModule", "setup_module"))
    if setup is None and nose:
        # The name "setup" is too common: only a callable one (pytest's rule).
        setup = _first_plain(mod, ("setup",))
        if not callable(setup):
            setup = None
    teardown = _first_plain(mod, ("tearDownModule", "teardown_module"))
    if teardown is None and nose:
        teardown = _first_plain(mod, ("teardown",))
        if not callable(teardown):
            teardown = None
    if setup is not None or teardown is not None:
        def xunit_setup_module_fixture(request):
            if setup is not None:
                _call_optional(setup, request.module)
            yield
            if teardown is not None:
                _call_optional(teardown, request.module)
        _prepend_autouse(level, "_xunit_setup_module_fixture_%s" % mod.__name__,
                         xunit_setup_module_fixture, "module", nodeid)
    setup_f = _first_plain(mod, ("setup_function",))
    teardown_f = _first_plain(mod, ("teardown_function",))
    if setup_f is not None or teardown_f is not None:
        def xunit_setup_function_fixture(request):
            if request.instance is not None:
                yield
                return
            if setup_f is not None:
                _call_optional(setup_f, request.function)
            yield
            if teardown_f is not None:
                _call_optional(teardown_f, request.function)
        _prepend_autouse(level, "_xunit_setup_function_fixture_%s" % mod.__name__,
                         xunit_setup_function_fixture, "function", nodeid, second=True)

def inject_class(cls, level, nodeid, unittest_case=False, nose=False):
    # pytest's UnitTestCase.collect injects the xunit setup_class fixture too.
    setup_c = _first_plain(cls, ("setup_class",))
    teardown_c = _first_plain(cls, ("teardown_class",))
    if setup_c is not None or teardown_c is not None:
        def xunit_setup_class_fixture(request):
            if setup_c is not None:
                _call_optional(_imfunc(setup_c), cls)
            yield
            if teardown_c is not None:
                _call_optional(_imfunc(teardown_c), cls)
        _prepend_autouse(level, "_xunit_setup_class_fixture_%s" % cls.__qualname__,
                         xunit_setup_class_fixture, "class", nodeid)
    setup_name, teardown_name = "setup_method", "teardown_method"
    nose = nose and not unittest_case
    setup_m = _first_plain(cls, (setup_name,))
    if setup_m is None and nose:
        setup_name = "setup"
        setup_m = _first_plain(cls, (setup_name,))
    # By plain getattr, a fixture-marked one too (pytest's rule; setup_method must not be one).
    teardown_m = _safe_getattr(cls, teardown_name, None)
    if teardown_m is None and nose:
        teardown_name = "teardown"
        teardown_m = _safe_getattr(cls, teardown_name, None)
    if setup_m is not None or teardown_m is not None:
        def xunit_setup_method_fixture(request):
            inst = request.instance
            method = request.function
            if setup_m is not None:
                _call_optional(getattr(inst, setup_name), method)
                if setup_name == "setup":
                    _nose_method_warning(request, "setup")
            yield
            if teardown_m is not None:
                _call_optional(getattr(inst, teardown_name), method)
                if teardown_name == "teardown":
                    _nose_method_warning(request, "teardown")
        _prepend_autouse(level, "_xunit_setup_method_fixture_%s" % cls.__qualname__,
                         xunit_setup_method_fixture, "function", nodeid, second=True)

def inject_unittest_class(cls, level, nodeid):
    setup = getattr(cls, "setUpClass", None)
    teardown = getattr(cls, "tearDownClass", None)
    cleanup = getattr(cls, "doClassCleanups", lambda: None)
    if setup is None and teardown is None:
        return

    def unittest_setUpClass_fixture(request):
        if setup is not None:
            try:
                setup()
            except Exception:
                cleanup()
                raise
        yield
        try:
            if teardown is not None:
                teardown()
        finally:
            cleanup()
    _prepend_autouse(level, "_unittest_setUpClass_fixture_%s" % cls.__qualname__,
                     unittest_setUpClass_fixture, "class", nodeid)


def nose_function_setup(run, item):
    """pytest's nose plugin (its trylast ``pytest_runtest_setup``): a test function's own
    ``setup`` attribute (nose's ``with_setup``) is called after the fixtures, and its
    ``teardown`` first at teardown; each warns. Not for unittest or doctest items."""
    obj = item.function
    if item.instance is not None:
        obj = getattr(item.instance, item.originalname, obj)
    _nose_call_optional(obj, "setup", item.nodeid)
    run.item_finalizers.append(lambda: _nose_call_optional(obj, "teardown", item.nodeid))


def _nose_call_optional(obj, name, nodeid):
    method = _safe_getattr(obj, name, None)
    if method is None or compat.fixture_spec(method) is not None or not callable(method):
        return
    warnings.warn(_removed_in_8()(
        "Support for nose tests is deprecated and will be removed in a future release.\n"
        "%s is using nose method: `%s` (%s)\n"
        "See docs: https://docs.pytest.org/en/stable/deprecations.html#support-for-tests-written-for-nose"
        % (nodeid, getattr(method, "__name__", str(method)), name)), stacklevel=2)
    method()


def _removed_in_8():
    """The real class, so that filters naming it (ignore::pytest.PytestRemovedIn8Warning) match."""
    try:
        from _pytest.warning_types import PytestRemovedIn8Warning
    except ImportError:
        return DeprecationWarning
    return PytestRemovedIn8Warning


def _nose_method_warning(request, method):
    """pytest 7.2's deprecation of a nose-style ``setup(self)``/``teardown(self)``, once per
    call, after it (its ``NOSE_SUPPORT_METHOD``)."""
    warnings.warn(_removed_in_8()(
        "Support for nose tests is deprecated and will be removed in a future release.\n"
        "%s is using nose-specific method: `%s(self)`\n"
        "To remove this warning, rename it to `%s_method(self)`\n"
        "See docs: https://docs.pytest.org/en/stable/deprecations.html#support-for-tests-written-for-nose"
        % (request.node.nodeid, method, method)), stacklevel=2)


def _safe_getattr(obj, name, default):
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


def _first_plain(obj, names):
    for n in names:
        v = _safe_getattr(obj, n, None)
        if v is not None and compat.fixture_spec(v) is None:
            return v
    return None


def _imfunc(func):
    try:
        return func.__func__
    except AttributeError:
        return func


def _call_optional(func, arg):
    try:
        n = func.__code__.co_argcount
    except AttributeError:
        func(arg)
        return
    if inspect.ismethod(func):
        n -= 1
    if n:
        func(arg)
    else:
        func()


def _prepend_autouse(level, name, func, scope, baseid, second=False):
    fd = fx.FixtureDef(name, func, scope, None, None, True, baseid, argnames=("request",))
    level.defs[name] = fd
    if second:
        # Function-level xunit fixtures come after the module/class one.
        pos = 1 if level.autouse and level.autouse[0].startswith(("_xunit", "_unittest")) else 0
        level.autouse.insert(pos, name)
    else:
        level.autouse.insert(0, name)
