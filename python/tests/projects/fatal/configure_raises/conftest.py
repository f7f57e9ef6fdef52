def pytest_configure(config):
    raise ValueError("boom")
