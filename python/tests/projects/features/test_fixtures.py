import pytest

ORDER = []


@pytest.fixture(scope="module")
def mod_res():
    ORDER.append("mod-setup")
    yield "mod"
    ORDER.append("mod-teardown")


@pytest.fixture(scope="class")
def cls_res(request):
    ORDER.append("cls-setup:%s" % request.cls.__name__)
    yield request.cls.__name__
    ORDER.append("cls-teardown:%s" % request.cls.__name__)


@pytest.fixture
def func_res(mod_res):
    ORDER.append("func-setup")
    yield mod_res + "+func"
    ORDER.append("func-teardown")


@pytest.fixture
def with_finalizer(request):
    request.addfinalizer(lambda: ORDER.append("finalizer"))
    return "fin"


@pytest.fixture
def overridden(overridden):
    return overridden + "+module"


@pytest.fixture
def base_value(base_value):
    return base_value * 2


def test_scopes(session_res, mod_res, func_res):
    assert session_res["name"] == "session"
    assert mod_res == "mod"
    assert func_res == "mod+func"


def test_order_after_first():
    assert ORDER[:3] == ["mod-setup", "func-setup", "func-teardown"]


def test_finalizer(with_finalizer):
    assert with_finalizer == "fin"


def test_finalizer_ran():
    assert "finalizer" in ORDER


def test_override(overridden, base_value):
    assert overridden == "conftest+module"
    assert base_value == 20


def test_renamed(renamed):
    assert renamed == "by-name"


def test_param_fixture(number):
    assert number in (1, 2)


def test_request_attrs(request):
    assert request.function is test_request_attrs
    assert request.cls is None
    assert request.module.__name__.endswith("test_fixtures")
    assert request.node.name == "test_request_attrs"
    assert request.scope == "function"
    assert request.config is not None
    assert request.node.auto_used
    assert request.path.name == "test_fixtures.py"
    assert "test_request_attrs" in request.keywords


def test_getfixturevalue(request):
    assert request.getfixturevalue("base_value") == 20
    assert request.getfixturevalue("renamed") == "by-name"


@pytest.mark.usefixtures("with_finalizer")
def test_usefixtures(request):
    assert "with_finalizer" in request.fixturenames


class TestClassScope:
    def test_a(self, cls_res):
        assert cls_res == "TestClassScope"

    def test_b(self, cls_res):
        assert ORDER.count("cls-setup:TestClassScope") == 1

    @pytest.fixture
    def method_fixture(self):
        return self

    def test_self_binding(self, method_fixture):
        assert method_fixture is self


class TestClassScope2:
    def test_c(self, cls_res):
        assert "cls-teardown:TestClassScope" in ORDER


@pytest.fixture
def broken_setup():
    raise RuntimeError("fixture setup broke")


@pytest.fixture
def broken_teardown():
    yield 1
    raise RuntimeError("fixture teardown broke")


def test_fixture_setup_error(broken_setup):
    pass


def test_fixture_teardown_error(broken_teardown):
    assert broken_teardown == 1


def test_missing_fixture(no_such_fixture):
    pass


@pytest.fixture(scope="module")
def module_wants_function(tmp_path):
    return tmp_path


def test_scope_mismatch(module_wants_function):
    pass


@pytest.fixture(scope="module")
def mod_broken():
    raise ValueError("module fixture broke")


def test_mod_broken_1(mod_broken):
    pass


def test_mod_broken_2(mod_broken):
    pass


@pytest.fixture(params=["a", "b"], scope="module")
def mod_param(request):
    ORDER.append("mod_param:" + request.param)
    return request.param


def test_mod_param_1(mod_param):
    assert mod_param in "ab"


def test_mod_param_2(mod_param):
    assert mod_param in "ab"


@pytest.fixture
def skipping_fixture():
    pytest.skip("skipped from fixture")


def test_skip_in_fixture(skipping_fixture):
    pass


@pytest.fixture
def dep_a(events):
    return "a"


@pytest.fixture
def dep_b(dep_a):
    return dep_a + "b"


def test_deps(dep_b):
    assert dep_b == "ab"


@pytest.fixture(params=[pytest.param(0, id="zero"), pytest.param(1, marks=pytest.mark.skip(reason="param skip"))])
def param_with_marks(request):
    return request.param


def test_param_marks(param_with_marks):
    assert param_with_marks == 0


@pytest.fixture
def failing_finalizer(request):
    def fin():
        raise KeyError("finalizer failed")
    request.addfinalizer(fin)


def test_failing_finalizer(failing_finalizer):
    pass


def test_failing_and_teardown_error(broken_teardown):
    assert 0


def yield_twice_gen():
    yield 1
    yield 2


@pytest.fixture
def yields_twice():
    yield 1
    yield 2


def test_yields_twice(yields_twice):
    pass
