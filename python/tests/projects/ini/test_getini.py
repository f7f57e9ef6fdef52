def test_builtin_ini_values_have_pytests_types(pytestconfig):
    getini = pytestconfig.getini
    assert getini("xfail_strict") is True
    assert getini("log_cli") is False
    assert getini("junit_log_passing_tests") is True
    assert getini("python_functions") == ["test_*", "check_*"]
    assert getini("python_classes") == ["Test*", "Suite"]
    assert getini("usefixtures") == ["ini_fixture"]
    assert getini("filterwarnings") == ["error::UserWarning", "ignore:ignored.*:UserWarning"]
    assert getini("empty_parameter_set_mark") == "xfail"


def test_builtin_ini_defaults_are_pytests(pytestconfig):
    getini = pytestconfig.getini
    assert getini("doctest_optionflags") == ["ELLIPSIS"]
    assert getini("python_files") == ["test_*.py", "*_test.py"]
    assert getini("testpaths") == []
    assert getini("pythonpath") == []
    assert getini("junit_family") == "xunit2"
    assert getini("console_output_style") == "progress"
    assert getini("faulthandler_timeout") == 0.0
    assert getini("log_level") == ""
    assert getini("minversion") == ""
    assert "node_modules" in getini("norecursedirs")
