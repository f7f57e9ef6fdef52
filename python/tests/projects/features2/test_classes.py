import pytest


@pytest.fixture(scope="class")
def skipping_class_fixture():
    pytest.skip("class fixture skip")


@pytest.mark.usefixtures("skipping_class_fixture")
class TestSkippedByClassFixture:
    def test_1(self):
        pass

    def test_2(self):
        pass


@pytest.fixture(scope="class")
def broken_class_fixture():
    raise RuntimeError("class fixture broke")


class TestBrokenClassFixture:
    def test_1(self, broken_class_fixture):
        pass

    def test_2(self, broken_class_fixture):
        pass


@pytest.fixture(scope="class")
def class_teardown_fails():
    yield
    raise RuntimeError("class teardown broke")


class TestClassTeardownError:
    def test_1(self, class_teardown_fails):
        pass

    def test_2(self, class_teardown_fails):
        pass


class TestSetupClassFails:
    @classmethod
    def setup_class(cls):
        raise ValueError("setup_class broke")

    def test_1(self):
        pass

    def test_2(self):
        pass


class TestAutouseInClass:
    @pytest.fixture(autouse=True)
    def prepare(self):
        self.ready = True

    def test_ready(self):
        assert self.ready


@pytest.mark.parametrize("x", [1, 2])
class TestClassParametrized:
    def test_x(self, x):
        assert x in (1, 2)

    @pytest.mark.parametrize("y", ["a"])
    def test_xy(self, x, y):
        assert y == "a"


def test_applymarker(request):
    request.applymarker(pytest.mark.xfail(reason="applied"))
    assert 0


@pytest.fixture
def xfail_in_fixture():
    pytest.xfail("fixture says xfail")


def test_xfail_from_fixture(xfail_in_fixture):
    pass


@pytest.fixture
def dynamic_user(request):
    return request.getfixturevalue("tmp_path")


def test_dynamic_request(dynamic_user):
    assert dynamic_user.exists()


@pytest.fixture
def overridden_by_param():
    return "fixture"


@pytest.mark.parametrize("overridden_by_param", ["param"])
def test_param_overrides_fixture(overridden_by_param):
    assert overridden_by_param == "param"


@pytest.fixture
def needs_param_value(plain_value):
    return plain_value * 2


@pytest.mark.parametrize("plain_value", [3])
def test_fixture_uses_direct_param(needs_param_value):
    assert needs_param_value == 6


@pytest.mark.parametrize("a, b", [pytest.param(1, 2, id="one-two"), (3, 4)])
def test_param_multi(a, b):
    assert b == a + 1


@pytest.mark.parametrize("v", [pytest.param(1, marks=pytest.mark.xfail(raises=ZeroDivisionError))])
def test_param_xfail_raises(v):
    1 / 0


SKIP_ME = True


@pytest.mark.skipif("SKIP_ME", reason="module global")
def test_skipif_module_global():
    pass


@pytest.mark.skipif(not SKIP_ME, reason="x")
def test_skipif_false_global():
    pass


def test_raises_wrong_type():
    with pytest.raises(KeyError):
        raise ValueError("x")


def test_approx_dict():
    assert {"a": 0.1 + 0.2} == pytest.approx({"a": 0.3})


@pytest.mark.xfail(strict=True)
def test_strict_xfail_fails_properly():
    assert False


class NoseStyleCollected:
    __test__ = True

    def test_collected_by_dunder_test(self):
        pass


def helper_named_function():
    pass


helper_named_function.__test__ = True


def test_record_property(record_property):
    record_property("answer", 42)


import abc


class TestAbstract(abc.ABC):
    @abc.abstractmethod
    def helper(self):
        pass

    def test_cannot_instantiate(self):
        pass
