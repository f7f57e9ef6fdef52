def test_autouse_applied(request):
    assert request.node.sub_autouse


def test_override(with_parens):
    assert with_parens == "sub-override"
