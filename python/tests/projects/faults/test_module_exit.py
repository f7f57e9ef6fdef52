raise SystemExit(4)


def test_never():
    pass
