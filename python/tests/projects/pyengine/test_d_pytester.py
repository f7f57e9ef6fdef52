pytest_plugins = ["pytester"]


def test_inner_run(pytester):
    pytester.makepyfile("def test_x():\n    assert 1\n\ndef test_y():\n    assert 0\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
