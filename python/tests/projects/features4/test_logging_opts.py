import logging


def test_log_level_option_reaches_caplog(caplog):
    # Passes only under --log-level=INFO (the root logger stays at WARNING otherwise).
    logging.getLogger("features4").info("hello %s", "there")
    assert [r.getMessage() for r in caplog.records] == ["hello there"]
    assert caplog.text.startswith("INFO features4 hello there"), caplog.text
