def test_extended(base):
    assert base == "base+sub"
