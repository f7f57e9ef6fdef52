def test_below():
    pass
