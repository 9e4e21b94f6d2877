"""The studio in a real browser: "Paint again" opens the form with every setting of a painting,
a tweak makes a new job that records its parent, and fields the user has not touched follow the
chosen painting's own defaults. Screenshots go to test-output/e2e/studio-*.png."""
import re

import pytest
from django.core.files.base import ContentFile

from gallery import services, tasks
from gallery.models import Job, Theme
from browser_helpers import log_in
from helpers import shrunk_upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

PASSWORD = "brushstrokes-in-the-night-5"


@pytest.fixture
def erin(django_user_model):
    return django_user_model.objects.create_user("erin", password=PASSWORD)


@pytest.fixture
def painted(erin, tubingen, installed_themes, monkeypatch):
    """A finished painting of erin's (its result a stand-in picture), and no worker."""
    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)
    photo = services.photo_create(owner=erin, upload=shrunk_upload(tubingen, "tubingen.jpg", 480))
    starry, wave = Theme.objects.get(slug="starry-night"), Theme.objects.get(slug="wave")
    job = services.job_create(owner=erin, photo=photo, themes=[(starry, 2.0), (wave, 1.0)],
                              params={"size": 384, "iterations": 120, "tv_weight": 4.0, "seed": 42})
    job.result.save("result.jpg", ContentFile(photo.image.read()), save=False)
    job.status = Job.Status.SUCCEEDED
    job.save()
    return job


def test_paint_again_with_a_tweak(page, live_server, painted, screenshot):
    log_in(page, live_server.url, "erin", PASSWORD)
    page.goto(f"{live_server.url}/jobs/{painted.pk}/")
    page.click("a[data-again]")
    page.wait_for_url(re.compile(rf"/jobs/new/\?again={painted.pk}$"))
    assert page.locator("[data-parent]").is_visible()
    assert page.input_value("#id_seed") == "42" and page.input_value("#id_tv_weight") == "4.0"
    assert page.input_value("#id_themes-0-weight") == "2.0"
    assert page.locator("#id_themes-1-theme").input_value() == "wave"
    page.locator("details.advanced summary").click()
    page.fill("#id_tv_weight", "9")
    screenshot("studio-1-paint-again")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("studio-2-paint-again-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.click("button:has-text('Start painting')")
    page.wait_for_url(re.compile(r"/jobs/(\d+)/$"))
    child = Job.objects.exclude(pk=painted.pk).get()
    assert child.parent_id == painted.pk
    assert {k for k in painted.params if child.params[k] != painted.params[k]} == {"tv_weight"}
    assert page.locator(".job-family").inner_text().startswith(f"Painted again from job {painted.pk}")
    screenshot("studio-3-child")


def test_untouched_fields_follow_the_chosen_painting(page, live_server, painted, screenshot):
    scream = Theme.objects.get(slug="the-scream")
    assert scream.default_params.get("style_weight") == 7  # from themes.json
    log_in(page, live_server.url, "erin", PASSWORD)
    page.goto(f"{live_server.url}/jobs/new/?theme=starry-night")
    page.check("input[name=mode][value=full]")
    page.locator("details.advanced summary").click()
    assert page.input_value("#id_style_weight") == "14.0"
    page.fill("#id_tv_weight", "3")  # the user's own choice stays
    page.select_option("#id_themes-0-theme", "the-scream")
    assert page.input_value("#id_style_weight") == "7"
    assert page.input_value("#id_tv_weight") == "3"
    page.select_option("#id_themes-0-theme", "starry-night")
    assert page.input_value("#id_style_weight") == "14"
