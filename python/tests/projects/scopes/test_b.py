def test_three(sess, mod):
    assert sess["session"] == 1
    assert sess["module_teardown"] >= 1
    assert sess["session_teardown"] == 0
