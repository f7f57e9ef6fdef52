async def test_coroutine():
    assert True

def test_plain():
    pass
