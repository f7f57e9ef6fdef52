def pytest_configure(config):
    config.addinivalue_line("markers", "mine(x): my marker")
