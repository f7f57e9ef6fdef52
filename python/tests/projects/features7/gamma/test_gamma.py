def test_every_hook_saw_me_in_pluggys_order(request):
    assert request.node.seen == ("beta", "alpha", "root")


def test_needs_network_gamma():
    pass


def test_obsolete_gamma():
    pass
