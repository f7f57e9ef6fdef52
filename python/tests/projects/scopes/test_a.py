def test_one(sess, mod):
    assert sess["session"] == 1


def test_two(sess, mod):
    assert mod["module"] >= 1
