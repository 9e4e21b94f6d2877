"""Every page of the site in a real browser loads everything from the site itself: the test fails
on any font, script, image or call to another host. Every page has an icon, and so has
/favicon.ico."""
from urllib.parse import urljoin

import pytest

from gallery import services, tasks
from gallery.models import Theme
from helpers import PASSWORD, shrunk_upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

# ReDoc 2 draws a "by Redocly" logo from its CDN in its menu, with no option to leave it out; the
# page's Content-Security-Policy stops it in the browser (templates/drf_spectacular/redoc.html).
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture
def fridas_job(django_user_model, installed_themes, tubingen, monkeypatch):
    """frida, with a photo and a painting of it waiting in the queue (no worker here)."""
    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)
    frida = django_user_model.objects.create_user("frida", password=PASSWORD)
    photo = services.photo_create(owner=frida, upload=shrunk_upload(tubingen, "tubingen.jpg"))
    return services.job_create(owner=frida, photo=photo, params={},
                               themes=[(Theme.objects.get(slug="starry-night"), 1.0)])


def _visit(page, url: str, drawn: str) -> None:
    """Open `url`, wait until `drawn` shows and its loads have settled, and check its icon."""
    page.goto(url)
    page.locator(drawn).first.wait_for()
    page.wait_for_load_state("networkidle")
    icon = page.locator("link[rel~=icon]")
    assert icon.count() == 1, f"{url}: {icon.count()} icons"
    answer = page.request.get(urljoin(page.url, icon.get_attribute("href")))
    assert answer.ok and answer.headers["content-type"].startswith("image/"), url


def test_every_page_loads_only_from_the_site_and_has_an_icon(page, live_server, fridas_job,
                                                             no_outside_requests):
    url = live_server.url
    for path in ["/", "/themes/"]:
        _visit(page, f"{url}{path}", "main")
    for path in ["/accounts/login/", "/accounts/signup/"]:
        _visit(page, f"{url}{path}", "main form")

    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "frida")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    for path, drawn in [
        ("/photos/", "main"),
        ("/jobs/", "main"),
        ("/jobs/new/", "main form"),
        (f"/jobs/{fridas_job.pk}/", "main"),
        ("/accounts/api-token/", "main"),
        ("/api/v1/", ".api-bar"),  # the browsable API
        ("/api/v1/themes/", ".api-bar"),
        ("/api/v1/docs/", ".swagger-ui .info"),
        ("/api/v1/redoc/", "[role=search]"),
    ]:
        _visit(page, f"{url}{path}", drawn)

    # Where a page names no icon (a JSON answer, an image opened alone) browsers ask for this.
    favicon = page.request.get(f"{url}/favicon.ico")
    assert favicon.ok
    assert favicon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert no_outside_requests.blocked in ([], [REDOC_LOGO])  # stopped in the browser, if tried
