def test_uses_bad_session_fixture(bad_session_teardown):
    pass
