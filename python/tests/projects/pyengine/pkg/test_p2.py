from conftest import log


def test_p2(pkgfix):
    log("test_p2")
