def f(x):
    return x


def test_boolop():
    a, b = True, False
    assert a and b


def test_call():
    assert f(1) == 2


def test_attr():
    import os
    assert os.sep == "x"
