"""Regions in a real browser: on the new-painting form the person turns regions on, paints the
subject over half of the photo with the mouse, gives theme 1 the subject and theme 2 the
background, and a worker (run_job in a thread, the real VGG16 weights, 128 px) paints it. "Paint
again" opens the form with the same drawing on the canvas. Screenshots go to
test-output/e2e/regions-*.png."""
import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from gallery import services, tasks
from gallery.models import Job
from browser_helpers import log_in, painted_share
from helpers import shrunk_upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

PASSWORD = "brushstrokes-in-the-night-5"


@pytest.fixture
def worker_thread(worker_settings, in_threads):
    """enqueue_job runs the job in a thread of this process, as a qcluster worker would (the
    instant lane's preview first)."""
    def work(job_id):
        tasks.make_preview(job_id)
        tasks.run_job(job_id)

    return in_threads(tasks, "enqueue_job", work)


@pytest.fixture
def erin(django_user_model):
    return django_user_model.objects.create_user("erin", password=PASSWORD)


@pytest.fixture
def erins_photo(erin, tubingen):
    return services.photo_create(owner=erin, upload=shrunk_upload(tubingen, "tubingen.jpg", 480))


def _paint_left_half(page):
    """One mouse stroke, zig-zagging over the left half of the photo with a big brush."""
    page.locator("[data-brush-size]").evaluate(
        "r => { r.value = 80; r.dispatchEvent(new Event('input')); }")
    canvas = page.locator("[data-regions-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    left, right = box["x"] + 4, box["x"] + box["width"] / 2 - 40
    y, bottom = box["y"] + 4, box["y"] + box["height"]
    page.mouse.move(left, y)
    page.mouse.down()
    while y < bottom:
        page.mouse.move(right, y, steps=12)
        page.mouse.move(right, y + 30, steps=3)
        page.mouse.move(left, y + 30, steps=12)
        y += 60
        page.mouse.move(left, y, steps=3)
    page.mouse.up()


def test_paint_two_regions_with_two_themes(page, live_server, installed_themes, worker_thread,
                                           erin, erins_photo, screenshot):
    url = live_server.url
    log_in(page, url, "erin", PASSWORD)
    page.goto(f"{url}/jobs/new/?photo={erins_photo.pk}&theme=starry-night")
    assert page.locator("[data-region-field]").first.is_hidden()  # regions off: no "Where"

    page.check("[data-regions-toggle]")
    page.wait_for_function("() => document.querySelector('[data-regions-canvas]').width === 480")
    assert page.locator("input[name=mode][value=instant]").is_disabled()  # regions: full only
    assert page.locator("input[name=mode][value=full]").is_checked()
    _paint_left_half(page)
    assert 0.4 < painted_share(page) < 0.6
    assert page.locator("[data-range-output]").inner_text() == "1.0×"  # the strength's own

    page.click("[data-add-theme]")
    page.select_option("#id_themes-1-theme", "wave")
    page.select_option("#id_themes-0-region", "subject")
    page.select_option("#id_themes-1-region", "background")
    page.fill("input[name=size]", "128")
    page.fill("input[name=iterations]", "30")
    page.locator("details.advanced summary").click()
    page.fill("input[name=snapshot_every]", "10")
    page.fill("input[name=seed]", "3")
    page.locator("details.advanced summary").click()
    assert page.input_value("input[name=regions]").startswith("data:image/png;base64,")
    screenshot("regions-1-form")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("regions-2-form-phone")
    page.set_viewport_size({"width": 1280, "height": 860})

    page.click("button:has-text('Start painting')")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    job = Job.objects.get(owner=erin)
    assert [(jt.theme.slug, jt.region) for jt in job.job_themes.all()] == [
        ("starry-night", "subject"), ("wave", "background")]
    with job.regions.open("rb") as f:
        drawing = np.asarray(Image.open(io.BytesIO(f.read())))
    assert drawing.ndim == 2 and drawing.shape == (360, 480)  # grey, the photo's proportions
    assert drawing[:, :180].mean() > 200 and drawing[:, 300:].mean() < 10
    assert page.locator("[data-region=subject]").inner_text() == "the subject"
    assert page.locator("[data-regions-thumb]").is_visible()

    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(1.0)
    assert job.status == Job.Status.SUCCEEDED, job.error
    page.locator("[data-bind=compare-box]").wait_for(state="visible", timeout=30_000)
    page.locator(".compare-range").evaluate(
        "r => { r.value = 0; r.dispatchEvent(new Event('input')); }")  # the painting only
    screenshot("regions-3-finished")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("regions-3-finished-phone")
    page.set_viewport_size({"width": 1280, "height": 860})

    page.click("a[data-again]")
    page.wait_for_url(re.compile(rf"/jobs/new/\?again={job.pk}$"))
    page.wait_for_function("() => document.querySelector('[data-regions-canvas]').width === 480")
    assert page.locator("[data-regions-toggle]").is_checked()
    assert page.input_value("#id_themes-0-region") == "subject"
    assert page.input_value("#id_themes-1-region") == "background"
    page.wait_for_function("() => document.querySelector('input[name=regions]').value.length > 100")
    assert 0.4 < painted_share(page) < 0.6  # the same drawing, on the canvas again
    screenshot("regions-4-paint-again")
