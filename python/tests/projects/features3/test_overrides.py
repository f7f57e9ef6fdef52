import pytest



LOG = []


@pytest.fixture
def flavour():
    # Overrides the parametrized conftest fixture without requesting it: no params.
    return "plain"


@pytest.fixture
def base(base):
    # Requests the parametrized super fixture: the params stay (#1953).
    return base + 1


def test_override_drops_params(flavour):
    assert flavour == "plain"


def test_override_keeps_super_params(base):
    assert base in (11, 21)


@pytest.fixture(scope="module")
def mod_dep(sess):
    LOG.append("mod_dep setup")
    yield
    LOG.append("mod_dep teardown")


def test_scoped_chain(mod_dep):
    assert LOG == ["mod_dep setup"]


@pytest.fixture
def fails_with_pytest_fail():
    pytest.fail("fixture failed on purpose")


def test_fixture_pytest_fail(fails_with_pytest_fail):
    pass


@pytest.fixture
def wants_param_dynamically(request):
    return request.getfixturevalue("letter")


def test_dynamic_param_request(wants_param_dynamically):
    pass


@pytest.fixture
def optional_param(request):
    return getattr(request, "param", "default")


def test_optional_param_default(optional_param):
    assert optional_param == "default"


@pytest.mark.parametrize("optional_param", ["given"], indirect=True)
def test_optional_param_given(optional_param):
    assert optional_param == "given"


@pytest.mark.parametrize("nope", [1], indirect=True)
def test_indirect_unknown_fixture(nope):
    pass


@pytest.mark.usefixtures("letter")
def test_usefixtures_parametrized():
    pass


@pytest.fixture
def marks_xfail(request):
    request.node.add_marker(pytest.mark.xfail(reason="added by fixture"))


def test_marker_added_by_fixture(marks_xfail):
    assert False


class TestClassAutouse:
    calls = []

    @pytest.fixture(autouse=True)
    def only_in_class(self):
        TestClassAutouse.calls.append(1)

    def test_a(self):
        assert TestClassAutouse.calls

    @pytest.fixture
    def class_level_indirect(self, request):
        return request.param * 2

    @pytest.mark.parametrize("class_level_indirect", [2], indirect=True)
    def test_indirect_class_fixture(self, class_level_indirect):
        assert class_level_indirect == 4


def test_not_in_class():
    assert len(TestClassAutouse.calls) == 2


@pytest.fixture(scope="class")
def shared_cls():
    return object()


class TestShareA:
    first = None

    def test_1(self, shared_cls):
        TestShareA.first = shared_cls

    def test_2(self, shared_cls):
        assert shared_cls is TestShareA.first


def test_module_function_gets_fresh_class_fixture(shared_cls):
    assert shared_cls is not TestShareA.first


@pytest.fixture(autouse=True, params=["p", "q"], scope="module")
def auto_param(request):
    return request.param


def test_auto_param_multiplies(request):
    assert request.getfixturevalue("auto_param") in "pq"
