"""Headless Debian chromium driven by Playwright (sync API) against pytest-django's live server.

Never a Playwright browser download: /usr/bin/chromium (`apt-get install chromium`; .ci/run does
it), or the tests skip saying so.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told it is fine (the tests are synchronous).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot("name") saves a full-page PNG of the current page under test-output/e2e/."""
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def save(name: str):
        page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top
        page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)

    return save


@pytest.fixture
def installed_themes(transactional_db):
    from django.core.management import call_command

    call_command("install_themes", stdout=open(os.devnull, "w"))


@dataclass
class OutsideRequests:
    """What the browser asked of hosts other than the site's (the `no_outside_requests` fixture)."""

    site: str  # host:port of the live server
    sent: list[str] = field(default_factory=list)  # URLs asked of another host
    blocked: list[str] = field(default_factory=list)  # ... that the page's own CSP stopped

    def request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.netloc != self.site:
            self.sent.append(request.url)

    def failed(self, request) -> None:
        # Stopped in the browser by the page's Content-Security-Policy: it never left.
        if request.failure == "csp" and request.url in self.sent:
            self.sent.remove(request.url)
            self.blocked.append(request.url)


@pytest.fixture
def no_outside_requests(page, live_server):
    """Fails the test if any page of `page`'s context loads anything (a font, a script, an
    image, a call) from a host other than the live server's; data: and blob: URLs are the
    page's own. Yields the OutsideRequests record (`.blocked`: loads the page's own
    Content-Security-Policy stopped in the browser, which never left it)."""
    seen = OutsideRequests(site=urlsplit(live_server.url).netloc)
    page.context.on("request", seen.request)
    page.context.on("requestfailed", seen.failed)
    yield seen
    assert not seen.sent, f"requests to hosts other than {seen.site}: {sorted(set(seen.sent))}"


@pytest.fixture
def in_threads(monkeypatch):
    """in_threads(module, name, work): a call of module.name(id) runs work(id) in a thread of
    this process instead, as a worker would (its database connection closed after); the
    threads are waited for at the end of the test. Returns the list of threads."""
    import threading

    from django.db import connection

    threads = []

    def replace(module, name: str, work):
        def run(arg):
            try:
                work(arg)
            finally:
                connection.close()

        def start(arg):
            thread = threading.Thread(target=run, args=(arg,), daemon=True)
            threads.append(thread)
            thread.start()

        monkeypatch.setattr(module, name, start)
        return threads

    yield replace
    for thread in threads:
        thread.join(timeout=180)
