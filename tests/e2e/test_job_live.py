"""The job page, live, in a real browser: the progress bar and the snapshot strip grow while a worker
paints (run_job in a thread of this process, on the real VGG16 weights), then the result shows with
the before/after slider and the download links; a failed job offers "Try again". No page reloads.
Screenshots go to test-output/e2e/job-*.png."""
import re
import time

import pytest

from gallery import services, tasks
from gallery.models import Job
from gallery.views.media import result_url
from browser_helpers import log_in
from helpers import shrunk_upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

PASSWORD = "brushstrokes-in-the-night-5"


@pytest.fixture
def worker_thread(worker_settings, in_threads):
    """enqueue_job runs the job in a thread of this process, as a qcluster worker would."""
    def work(job_id):
        time.sleep(1.0)  # the page is seen queued first
        if Job.objects.get(pk=job_id).mode == Job.Mode.INSTANT:
            tasks.run_instant_job(job_id)
        else:
            tasks.make_preview(job_id)  # the instant lane's part, as enqueue_job asks
            time.sleep(2.0)  # the page is seen with its preview
            tasks.run_job(job_id)

    return in_threads(tasks, "enqueue_job", work)


@pytest.fixture
def erin(django_user_model):
    return django_user_model.objects.create_user("erin", password=PASSWORD)


@pytest.fixture
def erins_photo(erin, tubingen):
    return services.photo_create(owner=erin, upload=shrunk_upload(tubingen, "tubingen.jpg", 480))


def _state(page) -> dict:
    return page.evaluate("""() => ({
        status: document.getElementById('job').dataset.status,
        percent: parseInt(document.querySelector('[data-bind=percent]').textContent, 10),
        bar: document.querySelector('[data-bind=bar-fill]').style.width,
        remaining: document.querySelector('[data-bind=remaining-text]').textContent.trim(),
        snapshots: document.querySelectorAll('.snapshot-strip li').length,
        curve: document.querySelectorAll('.loss-chart polyline').length,
        marker: window.__sameDocument === true,
        tag: (t => t && !t.hidden ? t.textContent : '')(document.querySelector('[data-bind=preview-tag]')),
        previewSrc: (document.querySelector('img[data-bind=preview]') || {}).src || '',
    })""")


def test_the_job_page_shows_a_painting_take_shape_and_the_result(
        page, live_server, installed_themes, worker_thread, erin, erins_photo, screenshot):
    url = live_server.url
    log_in(page, url, "erin", PASSWORD)

    page.goto(f"{url}/jobs/new/?photo={erins_photo.pk}&theme=starry-night")
    page.check("input[name=mode][value=full]")
    page.fill("input[name=size]", "128")
    page.fill("input[name=iterations]", "36")
    page.locator("details.advanced summary").click()
    page.fill("input[name=snapshot_every]", "4")
    page.fill("input[name=seed]", "5")
    page.click("button:has-text('Start painting')")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads
    job = Job.objects.get(owner=erin)

    # Watch it run: sample what the page shows until the job is done.
    seen, shot = [], False
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = _state(page)
        seen.append(state)
        if state["tag"].strip() == "Instant preview" and not any(
                s["tag"].strip() == "Instant preview" for s in seen[:-1]):
            screenshot("job-0-instant-preview")
        if not shot and state["status"] == "running" and state["snapshots"] >= 3:
            screenshot("job-1-running")
            shot = True
        if state["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.4)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert shot, f"never saw the job running with snapshots: {seen[-3:]}"

    running = [s for s in seen if s["status"] == "running"]
    percents = sorted({s["percent"] for s in running})
    counts = sorted({s["snapshots"] for s in running})
    assert len(percents) >= 3 and percents[-1] > percents[0], percents  # the bar moved, several times
    assert len([c for c in counts if c > 0]) >= 2, counts  # the strip grew while running
    assert any("left" in s["remaining"] for s in running)  # the remaining time was shown
    assert all(s["marker"] for s in seen)  # never reloaded
    # The theme has an instant network: its preview showed before the first snapshot.
    assert any(s["tag"].strip() == "Instant preview" for s in seen if not s["snapshots"])

    # Done: before/after, the full strip, the curve, the download links.
    page.locator("[data-bind=compare-box]").wait_for(state="visible")
    final = _state(page)
    assert final["percent"] == 100 and final["bar"] == "100%" and final["snapshots"] == 9 and final["curve"] == 1
    assert final["marker"]
    assert page.locator("[data-bind=preview-box]").is_hidden()
    assert page.locator("img[data-bind=result]").evaluate("img => img.complete && img.naturalWidth") == 128
    assert page.locator("img[data-bind=before]").evaluate("img => img.complete && img.naturalWidth") > 0
    assert page.locator("[data-bind=downloads]").is_visible()
    # The version shown (its colours can change: tests/e2e/test_colors_live.py), in two formats.
    for fmt in ("png", "jpeg"):
        href = page.locator(f"a[data-download={fmt}]").get_attribute("href")
        assert href == f"{result_url(job)}&download={fmt}"
    assert page.get_by_role("region", name="Colours").is_visible()
    assert page.locator("form[data-cancel]").is_hidden()
    screenshot("job-2-done")

    slider = page.locator(".compare-range")
    slider.evaluate("r => { r.value = 25; r.dispatchEvent(new Event('input')); }")
    split = page.locator("[data-compare]").evaluate("el => el.style.getPropertyValue('--split')")
    assert split == "25%"
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("details.params-panel summary").click()  # the job's record, seed included
    assert page.locator(".params-list").inner_text().count("Seed") == 1
    screenshot("job-3-done-phone")


def test_a_failed_job_shows_its_error_and_try_again_makes_a_new_one(
        page, live_server, installed_themes, erin, erins_photo, screenshot, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)  # no worker: stays queued
    from gallery.models import Theme

    job = services.job_create(owner=erin, photo=erins_photo, themes=[(Theme.objects.get(slug="starry-night"), 1.0)],
                              params={"size": 128, "iterations": 40, "snapshot_every": 4, "seed": 3})
    Job.objects.filter(pk=job.pk).update(
        status="failed", iteration=17, attempts=1, loss_history=[[i, 2.0 / i] for i in range(1, 18)],
        error="Out of memory: this machine cannot hold an image of this size while painting it. "
              "Try again with a smaller size (or fewer themes).")
    log_in(page, live_server.url, "erin", PASSWORD)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert "Out of memory" in page.locator("[data-bind=error-box]").inner_text()
    assert page.locator("form[data-cancel]").is_hidden()
    screenshot("job-4-failed")

    page.click("button:has-text('Try again')")
    page.wait_for_url(re.compile(r"/jobs/(\d+)/$"))
    retry = Job.objects.exclude(pk=job.pk).get()
    assert page.url.endswith(f"/jobs/{retry.pk}/")
    assert retry.status == "queued" and retry.params == Job.objects.get(pk=job.pk).params
    assert page.locator("[data-bind=status]").inner_text() == "Queued"
    screenshot("job-5-queued-again")


def test_cancel_stops_a_running_job_without_leaving_the_page(
        page, live_server, installed_themes, worker_thread, erin, erins_photo, screenshot):
    from gallery.models import Theme

    job = services.job_create(owner=erin, photo=erins_photo, themes=[(Theme.objects.get(slug="starry-night"), 1.0)],
                              params={"size": 64, "iterations": 400, "exact_iterations": True,
                                      "snapshot_every": 5, "seed": 1})
    log_in(page, live_server.url, "erin", PASSWORD)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    page.evaluate("window.__sameDocument = true")
    page.wait_for_function("() => parseInt(document.querySelector('[data-bind=iteration]').textContent, 10) >= 3",
                           timeout=90_000)
    page.click("form[data-cancel] button")
    page.wait_for_function("() => document.getElementById('job').dataset.status === 'cancelled'", timeout=30_000)
    assert _state(page)["marker"]
    assert page.locator("[data-bind=cancelled-box]").is_visible()
    assert page.locator("form[data-retry]").is_visible()
    job.refresh_from_db()
    assert job.status == "cancelled" and job.iteration < 400
    screenshot("job-6-cancelled")


def test_an_instant_painting_appears_on_the_page_at_once(
        page, live_server, installed_themes, worker_thread, erin, erins_photo, screenshot):
    log_in(page, live_server.url, "erin", PASSWORD)
    page.goto(f"{live_server.url}/themes/")
    from gallery.models import Theme

    instant = Theme.objects.exclude(network="").count()
    cards = page.locator(".theme-card .theme-instant img")
    assert instant >= 1 and cards.count() == instant  # each instant theme shows its result
    page.wait_for_function("() => [...document.querySelectorAll('.theme-instant img')]"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    screenshot("instant-1-themes")

    page.goto(f"{live_server.url}/jobs/new/?photo={erins_photo.pk}&theme=starry-night")
    assert page.locator("input[name=mode][value=instant]").is_checked()  # the default
    page.fill("input[name=size]", "512")
    page.click("button:has-text('Start painting')")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    page.evaluate("window.__sameDocument = true")
    page.locator("[data-bind=compare-box]").wait_for(state="visible", timeout=30_000)
    job = Job.objects.get(owner=erin)
    assert job.mode == Job.Mode.INSTANT and job.status == Job.Status.SUCCEEDED, job.error
    result = page.locator("img[data-bind=result]")
    result.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('img[data-bind=result]').naturalWidth > 0")
    assert result.evaluate("img => img.naturalWidth") == 512
    assert page.evaluate("window.__sameDocument === true")  # no reload: the poll brought it
    screenshot("instant-2-result")

    # Adding a theme without a network turns Instant off in the form.
    page.goto(f"{live_server.url}/jobs/new/?photo={erins_photo.pk}&theme=starry-night")
    Theme.objects.filter(slug="wave").update(network="")
    page.reload()
    page.click("[data-add-theme]")
    page.select_option("select[name=themes-1-theme]", "wave")
    assert page.locator("input[name=mode][value=instant]").is_disabled()
    assert page.locator("input[name=mode][value=full]").is_checked()
    assert page.locator("[data-mode-note]").is_visible()
