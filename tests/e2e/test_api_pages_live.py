"""The API's own pages in a real browser: Swagger UI, ReDoc and the browsable API lead back to the
site, and the token page's Copy button puts the token on the clipboard (or, without the Clipboard
API, copies it the older way). Screenshots at desktop and phone width go to
test-output/e2e/api-*.png."""
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from browser_helpers import log_in
from helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"  # as the screenshot fixture
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def frida(django_user_model):
    return django_user_model.objects.create_user("frida", password=PASSWORD)


def _shoot(page, name: str) -> None:
    """The top of the page at desktop and phone width (ReDoc's full length is a book)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)  # the layout follows the new width
        page.screenshot(path=str(OUTPUT / f"api-{name}-{width}.png"))
    page.set_viewport_size(DESKTOP)


def test_the_api_pages_lead_back_to_the_site(page, live_server, frida, no_outside_requests):
    url = live_server.url
    log_in(page, url, "frida", PASSWORD)
    for path, name, drawn in [("/api/v1/redoc/", "redoc", "[role=search]"),
                              ("/api/v1/docs/", "swagger", ".swagger-ui .info"),
                              ("/api/v1/", "browsable", ".api-bar")]:
        page.goto(f"{url}{path}")
        page.locator(drawn).first.wait_for()
        page.wait_for_load_state("networkidle")
        _shoot(page, name)
        assert page.get_by_role("navigation", name="API").get_by_role(
            "link", name="Your token").is_visible()
        page.get_by_role("link", name="Back to the site").click()
        page.wait_for_url(f"{url}/")

    # The browsable API's root lists the collections; the brand leads home from every page.
    page.goto(f"{url}/api/v1/")
    assert page.get_by_role("heading", name="Style gallery API").is_visible()
    assert page.get_by_text(f'"themes": "{url}/api/v1/themes/"').is_visible()
    page.get_by_role("link", name="Style Gallery", exact=True).click()
    page.wait_for_url(f"{url}/")


def test_copy_puts_the_api_token_on_the_clipboard(page, live_server, frida, no_outside_requests):
    url = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    log_in(page, url, "frida", PASSWORD)
    page.goto(f"{url}/accounts/api-token/")
    page.get_by_role("button", name="Create a token").click()
    page.wait_for_url(f"{url}/accounts/api-token/")
    token = page.locator("#api-token").input_value()
    assert token == Token.objects.get(user=frida).key

    page.get_by_role("button", name="Copy").click()
    page.get_by_role("button", name="Copied").wait_for()
    _shoot(page, "token-copied")
    assert page.evaluate("navigator.clipboard.readText()") == token
    page.get_by_role("button", name="Copy").wait_for(timeout=5000)  # its name again


def test_without_the_clipboard_api_copy_uses_the_older_way(browser, live_server, frida):
    token = Token.objects.create(user=frida).key
    context = browser.new_context(viewport=DESKTOP)
    # A site served over plain HTTP from another host than localhost has no navigator.clipboard.
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page = context.new_page()
    try:
        url = live_server.url
        log_in(page, url, "frida", PASSWORD)
        page.goto(f"{url}/accounts/api-token/")
        page.evaluate("""() => document.addEventListener('copy', () => {
            const field = document.activeElement;
            window.copied = field.value.slice(field.selectionStart, field.selectionEnd);
        })""")
        page.get_by_role("button", name="Copy").click()
        page.get_by_role("button", name="Copied").wait_for()
        assert page.evaluate("window.copied") == token
    finally:
        context.close()
