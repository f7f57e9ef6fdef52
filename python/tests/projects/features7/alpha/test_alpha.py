import pytest


def test_every_hook_saw_me_in_pluggys_order(request):
    assert request.node.seen == ("beta", "alpha", "root")


def test_needs_network_here_too():
    pass


def test_obsolete_alpha():
    pass


@pytest.mark.skipif("alpha_flag", reason="alpha's namespace")
def test_alpha_namespace_applies_here():
    pass
