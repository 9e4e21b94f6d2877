"""The fair queue and the limits as a user meets them in a real browser: a queued painting's
place and start on its page and in the gallery, a full queue on the form, the log-in lockout.
Screenshots at desktop and phone width go to test-output/e2e/."""
import re

import pytest
from django.utils import timezone

from gallery import services, tasks
from gallery.models import Job, Theme
from browser_helpers import log_in
from helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue_scene(installed_themes, django_user_model, monkeypatch, settings):
    """bob's painting runs; dora has two queued behind it; the site has measured a painting."""
    from PIL import Image
    from django.core.files.uploadedfile import SimpleUploadedFile
    import io

    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)  # no worker here
    settings.STYLE_MAX_QUEUED_JOBS = 2
    starry = Theme.objects.get(slug="starry-night")
    users, photos = {}, {}
    for name in ("bob", "dora"):
        users[name] = django_user_model.objects.create_user(name, password=PASSWORD)
        buf = io.BytesIO()
        Image.new("RGB", (640, 420), (70, 120, 200)).save(buf, format="JPEG")
        photos[name] = services.photo_create(owner=users[name], upload=SimpleUploadedFile(
            "lake.jpg", buf.getvalue(), content_type="image/jpeg"))
    measured = services.job_create(owner=users["bob"], photo=photos["bob"],
                                   themes=[(starry, 1.0)], params={})
    Job.objects.filter(pk=measured.pk).update(status=Job.Status.SUCCEEDED, elapsed=120.0,
                                              work=20.0, started_at=timezone.now(),
                                              finished_at=timezone.now())
    running = services.job_create(owner=users["bob"], photo=photos["bob"],
                                  themes=[(starry, 1.0)], params={})
    Job.objects.filter(pk=running.pk).update(status=Job.Status.RUNNING, remaining=300.0,
                                             started_at=timezone.now(), iteration=40)
    mine = [services.job_create(owner=users["dora"], photo=photos["dora"], themes=[(starry, 1.0)],
                                params={}) for _ in range(2)]
    return mine


def test_a_queued_painting_shows_its_place_and_start_and_a_full_queue_says_so(
        page, live_server, queue_scene, screenshot):
    first, second = queue_scene
    url = live_server.url
    log_in(page, url, "dora", PASSWORD)
    page.wait_for_url(re.compile(r"/$|/photos/$|/themes/$"))
    page.goto(f"{url}/jobs/{second.pk}/")
    status = page.locator("[data-bind=remaining-text]").first
    assert re.search(r"number 2 in the queue, starting in about \d+ min", status.inner_text())
    assert "Waiting: number 2 in the queue" in page.locator("[data-bind=preview-caption]").first.inner_text()
    screenshot("20-job-queued")
    page.goto(f"{url}/jobs/")
    card = page.locator(f".job-card[data-job='{first.pk}']")
    assert card.inner_text().count("Next in the queue, starting in about 5 min") == 1
    screenshot("21-gallery-queue")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("22-gallery-queue-phone")
    page.set_viewport_size({"width": 1280, "height": 860})

    # A third painting: the queue is full, the form says so and keeps what was chosen.
    page.goto(f"{url}/jobs/new/")
    page.select_option("select[name=themes-0-theme]", "starry-night")
    page.check("input[name=mode][value=full]")
    page.click("button:has-text('Start painting')")
    error = page.locator(".alert, .form-errors, [role=alert]", has_text="paintings waiting")
    error.first.wait_for()
    assert Job.objects.filter(owner__username="dora").count() == 2
    screenshot("23-new-job-queue-full")


def test_too_many_wrong_passwords_lock_the_log_in(page, live_server, django_user_model, settings,
                                                   screenshot):
    django_user_model.objects.create_user("erin", password=PASSWORD)
    url = live_server.url
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, url, "erin", f"wrong-{i}")
    log_in(page, url, "erin", PASSWORD)  # the right password, too late
    page.get_by_role("heading", name="Too many wrong passwords").wait_for()
    assert "15 minutes" in page.locator("main").inner_text()
    screenshot("24-login-locked")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("25-login-locked-phone")
