CALLS = []


def setup_module(module):
    CALLS.append("setup_module")


def teardown_module():
    CALLS.append("teardown_module")


def setup_function(function):
    CALLS.append("setup_function:" + function.__name__)


def teardown_function(function):
    CALLS.append("teardown_function:" + function.__name__)


def test_one():
    assert CALLS == ["setup_module", "setup_function:test_one"]


def test_two():
    assert CALLS[-2:] == ["teardown_function:test_one", "setup_function:test_two"]


class TestXunitClass:
    @classmethod
    def setup_class(cls):
        CALLS.append("setup_class")

    @classmethod
    def teardown_class(cls):
        CALLS.append("teardown_class")

    def setup_method(self, method):
        CALLS.append("setup_method:" + method.__name__)

    def teardown_method(self, method):
        CALLS.append("teardown_method:" + method.__name__)

    def test_method(self):
        assert CALLS[-2:] == ["setup_class", "setup_method:test_method"]
        assert "setup_function:test_method" not in CALLS

    def test_method2(self):
        assert CALLS[-2:] == ["teardown_method:test_method", "setup_method:test_method2"]


def test_after_class():
    assert "teardown_class" in CALLS


class TestBrokenSetupMethod:
    def setup_method(self, method):
        raise RuntimeError("setup_method broke")

    def test_never_runs(self):
        pass
