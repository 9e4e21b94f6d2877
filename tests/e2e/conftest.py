"""Headless Debian chromium driven by Playwright (sync API) against pytest-django's live server.

Never a Playwright browser download: /usr/bin/chromium (`apt-get install chromium`; .ci/run does
it), or the tests skip saying so.
"""
import os
from pathlib import Path

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
