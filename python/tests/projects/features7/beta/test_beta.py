import pytest


def test_every_hook_saw_me_in_pluggys_order(request):
    assert request.node.seen == ("beta", "alpha", "root")


def test_alpha_marked_me(request):
    assert request.node.get_closest_marker("from_alpha") is not None


def test_needs_network():
    pass


def test_obsolete_beta():
    pass


@pytest.mark.skipif("alpha_flag", reason="alpha's namespace is not beta's")
def test_alpha_namespace_is_not_here():
    pass


@pytest.mark.parametrize("n", [1, 2, 3])
def test_params(n, request):
    assert "alpha" in request.node.seen
