"""The web server's request log stays quiet on the polls of open pages that went well, and keeps
their errors and every other request (runserver's own log_message, through the settings'
LOGGING)."""
import io
import logging

import pytest
from django.core.servers.basehttp import WSGIRequestHandler


@pytest.fixture
def request_log():
    """request_log("GET /path HTTP/1.1", status) logs a request as runserver does; returns all
    that the web server's log has written so far."""
    handler = logging.getLogger("django.server").handlers[0]
    written = io.StringIO()
    stream = handler.setStream(written)
    server = WSGIRequestHandler.__new__(WSGIRequestHandler)  # its log_message, no socket
    server.request = None

    def log(line: str, status: int) -> str:
        server.log_message('"%s" %s %s', line, str(status), "123")
        return written.getvalue()

    yield log
    handler.setStream(stream)


@pytest.mark.parametrize("path", [
    "/jobs/3/progress/",
    "/jobs/cards/?ids=3,4",
    "/jobs/new/estimate/?size=512&iterations=300",
    "/training/2/progress/",
])
def test_it_leaves_out_polls_that_went_well(request_log, path):
    assert request_log(f"GET {path} HTTP/1.1", 200) == ""
    assert request_log(f"GET {path} HTTP/1.1", 304) == ""


def test_it_keeps_a_poll_that_failed(request_log):
    assert '"GET /jobs/3/progress/ HTTP/1.1" 404 123' in request_log("GET /jobs/3/progress/ HTTP/1.1", 404)
    assert '"GET /jobs/3/progress/ HTTP/1.1" 500 123' in request_log("GET /jobs/3/progress/ HTTP/1.1", 500)


def test_it_keeps_every_other_request(request_log):
    for line in ["GET /jobs/3/ HTTP/1.1", "POST /jobs/3/cancel/ HTTP/1.1", "GET /nowhere HTTP/1.1",
                 "GET /static/css/site.css HTTP/1.1", "garbage"]:
        assert f'"{line}" 200 123' in request_log(line, 200)


def test_it_keeps_what_is_not_a_request(request_log):
    logging.getLogger("django.server").info("Broken pipe from %s", ("127.0.0.1", 50000))
    assert "Broken pipe from ('127.0.0.1', 50000)" in request_log("GET /jobs/3/progress/ HTTP/1.1", 200)
