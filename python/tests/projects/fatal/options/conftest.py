def pytest_addoption(parser):
    parser.addoption("--level", type=int, default=1, choices=[1, 2, 3])
