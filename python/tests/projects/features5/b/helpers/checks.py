def check_eq(a, b):
    assert a == b
