def test_set_up_once(root_package_fixture):
    assert root_package_fixture == 1


def test_set_up_once_more(root_package_fixture):
    assert root_package_fixture == 1
