import urllib.request


def test_serves_a_response(httpserver):
    httpserver.expect_request("/hello").respond_with_data("world")
    with urllib.request.urlopen(httpserver.url_for("/hello"), timeout=10) as resp:
        assert resp.read() == b"world"
