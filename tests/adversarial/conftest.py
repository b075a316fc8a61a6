def pytest_configure(config):
    config.addinivalue_line(
        "markers", "long: an adversarial test that takes several seconds (runs in CI too)")
