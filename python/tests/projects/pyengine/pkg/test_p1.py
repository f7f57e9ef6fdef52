from conftest import log


def test_p1(pkgfix, sess):
    log("test_p1")
