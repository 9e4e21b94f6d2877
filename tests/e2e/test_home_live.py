"""The home page in a real browser: a visitor sees what the site does (a line, sign-up and log-in)
and, for every theme, the site's own instant painting of the sample photo beside the photo, then
the themes; a signed-in user gets the same with "New painting". Screenshots go to
test-output/e2e/home-*.png."""
import pytest

from browser_helpers import DESKTOP, PHONE, sign_in
from gallery.models import Theme
from helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _loaded(locator) -> bool:
    return locator.evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_home_page_shows_what_the_site_does_with_its_own_paintings(page, live_server, installed_themes,
                                                                       django_user_model, screenshot,
                                                                       no_outside_requests):
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Your photos, repainted in the style of famous paintings.")
    hero = page.locator(".hero")
    assert hero.get_by_role("link", name="Sign up free").get_attribute("href") == "/accounts/signup/"
    assert hero.get_by_role("link", name="Log in").get_attribute("href") == "/accounts/login/"

    themes = list(Theme.objects.filter(is_active=True))
    examples = page.locator(".example")
    assert examples.count() == len(themes) == 5
    page.locator(".example").last.scroll_into_view_if_needed()
    for theme, example in zip(themes, examples.all()):
        before, after = example.locator(".before-after-before"), example.locator(".before-after-after")
        assert before.get_attribute("src") == "/files/sample-photo/"
        assert after.get_attribute("src") == f"/files/themes/{theme.slug}/instant/"
        page.wait_for_function("([b, a]) => b.complete && a.complete",
                               arg=[before.element_handle(), after.element_handle()])
        assert _loaded(before) and _loaded(after)
        assert theme.title in example.inner_text()
    # The grid of the paintings follows.
    assert page.locator(".theme-card").count() == 5
    screenshot("home-1-visitor")

    # The split moves by keyboard as by pointer.
    first = examples.first.locator(".before-after")
    first.locator("input[type=range]").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert first.evaluate("el => el.style.getPropertyValue('--split')") == "53%"
    first.locator("input[type=range]").fill("15")
    assert first.evaluate("el => el.style.getPropertyValue('--split')") == "15%"

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator(".topbar").bounding_box()["height"] < 70
    screenshot("home-2-visitor-phone")
    page.goto(f"{live_server.url}/themes/")  # the themes page keeps its grid, with the same cards
    assert page.locator(".theme-card .theme-instant img").count() == 5
    screenshot("home-5-themes-phone")
    page.set_viewport_size(DESKTOP)
    screenshot("home-6-themes")

    # Signed in (the same themes: installing them paints five samples, seconds on a CPU), the
    # home page is the same with "New painting" and "My gallery".
    sign_in(page, live_server, django_user_model.objects.create_user("alice", password=PASSWORD))
    page.goto(f"{live_server.url}/")
    hero = page.locator(".hero")
    assert hero.get_by_role("link", name="New painting").get_attribute("href") == "/jobs/new/"
    assert hero.get_by_role("link", name="My gallery").get_attribute("href") == "/jobs/"
    assert not page.get_by_role("link", name="Sign up free").count()
    assert page.locator(".example").count() == 5
    screenshot("home-3-signed-in")
    page.set_viewport_size(PHONE)
    screenshot("home-4-signed-in-phone")
