import module_that_is_missing_xyz  # noqa


def test_never():
    pass
