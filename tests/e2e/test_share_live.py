"""A private link in a real browser: erin shares a finished painting from its page, a stranger (a
fresh browser context: no session, no cookie) opens the link and sees the painting with its
before/after, and once erin stops sharing the link is a 404. Screenshots of what the stranger
sees, wide and on a phone, go to test-output/e2e/share-*.png."""
import re
from pathlib import Path

import pytest

from gallery import services, tasks
from gallery.models import Job, Theme
from gallery.worker.instant import run_instant_job
from browser_helpers import log_in
from helpers import shrunk_upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
PASSWORD = "a-link-for-my-mother-4"


@pytest.fixture
def erins_painting(django_user_model, installed_themes, tubingen, monkeypatch):
    """erin's photo painted instantly after The Starry Night (the shipped network, one pass)."""
    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)  # painted right here instead
    erin = django_user_model.objects.create_user("erin", password=PASSWORD)
    photo = services.photo_create(owner=erin, upload=shrunk_upload(tubingen, "tubingen.jpg", 640))
    job = services.job_create(owner=erin, photo=photo, params={"size": 640}, mode=Job.Mode.INSTANT,
                              themes=[(Theme.objects.get(slug="starry-night"), 1.0)])
    assert run_instant_job(job.pk) == "succeeded"
    return Job.objects.get(pk=job.pk)


def _shot(page, name):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def test_a_stranger_sees_a_shared_painting_until_sharing_stops(page, browser, live_server,
                                                                erins_painting, screenshot):
    url, job = live_server.url, erins_painting
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    log_in(page, url, "erin", PASSWORD)
    page.goto(f"{url}/jobs/{job.pk}/")
    page.get_by_role("button", name="Share", exact=True).click()
    page.wait_for_url(re.compile(rf"/jobs/{job.pk}/$"))
    job.refresh_from_db()
    link = page.locator("[data-share-url]").input_value()
    assert link == f"{url}/s/{job.share_token}/" and len(job.share_token) >= 43
    page.get_by_role("button", name="Copy").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link
    screenshot("share-1-job-page")

    stranger = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
    try:
        visitor = stranger.new_page()
        visitor.set_default_timeout(15_000)
        assert visitor.goto(link).status == 200
        visitor.wait_for_function("() => [...document.querySelectorAll('.compare-frame img')]"
                                  ".every(img => img.complete && img.naturalWidth > 0)")
        assert visitor.locator("img.compare-after").evaluate("img => img.naturalWidth") == 640
        assert visitor.locator("img.compare-before").evaluate("img => img.naturalWidth") > 0
        assert visitor.get_by_role("heading", name="The Starry Night").is_visible()
        html = visitor.content()
        for secret in ("erin", "tubingen", f"/jobs/{job.pk}/", "seed"):
            assert secret not in html, secret
        visitor.locator(".compare-range").evaluate(
            "r => { r.value = 35; r.dispatchEvent(new Event('input')); }")
        assert visitor.locator("[data-compare]").evaluate(
            "el => el.style.getPropertyValue('--split')") == "35%"
        _shot(visitor, "share-2-shared-page")
        visitor.set_viewport_size({"width": 390, "height": 844})
        _shot(visitor, "share-3-shared-page-phone")

        page.get_by_role("button", name="Stop sharing").click()
        page.get_by_text("no longer shared").wait_for()
        assert page.get_by_role("button", name="Share", exact=True).is_visible()
        screenshot("share-4-job-page-unshared")

        assert visitor.goto(link).status == 404
        assert visitor.get_by_role("heading", name="This link does not work").is_visible()
        _shot(visitor, "share-5-link-gone-phone")
        assert visitor.goto(f"{link}painting").status == 404
        assert visitor.goto(f"{link}photo").status == 404
    finally:
        stranger.close()
