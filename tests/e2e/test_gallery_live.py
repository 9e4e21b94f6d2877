"""My gallery in a real browser: the cards of unfinished jobs follow their progress without a
reload (latest snapshot, progress bar, queue position), a finished one swaps to its painting and
the polling stops; on a phone, long file names stay inside their cards. Screenshots go to
test-output/e2e/gallery-live-*.png."""
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from browser_helpers import DESKTOP, PHONE, sign_in
from gallery import services, tasks
from gallery.models import Job, Snapshot, Theme
from gallery.views import job_cards
from gallery.views.media import result_url
from helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_NAME = "IMG_20260814_184512_holiday_at_the_lake_with_the_whole_family_final_v2.jpg"


def _jpeg(color) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (160, 120), color).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def gallery(django_user_model, monkeypatch):
    """alice's running and queued jobs (behind bob's, who has never run one), fast polls."""
    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)  # no worker here
    monkeypatch.setattr(job_cards, "POLL_MS", 300)
    alice = django_user_model.objects.create_user("alice", password=PASSWORD)
    bob = django_user_model.objects.create_user("bob", password=PASSWORD)
    theme = services.theme_set_image(
        theme=Theme(slug="starry-night", title="The Starry Night", artist="Vincent van Gogh"),
        upload=ContentFile(_jpeg((20, 40, 120)), name="starry.jpg"))
    photo = services.photo_create(owner=alice, upload=ContentFile(_jpeg((90, 160, 90)), name=LONG_NAME))
    bobs_photo = services.photo_create(owner=bob, upload=ContentFile(_jpeg((9, 9, 9)), name="b.jpg"))

    def job(owner, photo):
        return services.job_create(owner=owner, photo=photo, themes=[(theme, 1.0)], params={"iterations": 50})

    running = job(alice, photo)
    Job.objects.filter(pk=running.pk).update(status=Job.Status.RUNNING, started_at=timezone.now(), total=50)
    job(bob, bobs_photo)
    queued = job(alice, photo)
    return alice, Job.objects.get(pk=running.pk), queued


def _card(page, job):
    return page.locator(f".job-card[data-job='{job.pk}']")


def _src(page, job) -> str:
    return _card(page, job).locator("img").get_attribute("src")


def test_cards_of_unfinished_jobs_follow_their_progress_and_stop_when_done(page, live_server, gallery,
                                                                          screenshot, no_outside_requests):
    alice, running, queued = gallery
    polls = []
    page.on("request", lambda r: "/jobs/cards/" in r.url and polls.append(r.url))
    sign_in(page, live_server, alice)
    page.goto(f"{live_server.url}/jobs/")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    assert _card(page, queued).locator("[data-card-text]").inner_text() == "Number 2 in the queue"
    assert _src(page, running).endswith(f"/files/photos/{running.photo_id}/thumbnail/")

    # The worker paints: a snapshot and progress appear on the card without a reload.
    snap = Snapshot(job=running, iteration=20, losses={"total": 1.0})
    snap.image.save("snap.jpg", ContentFile(_jpeg((200, 180, 40))), save=True)
    Job.objects.filter(pk=running.pk).update(iteration=20, elapsed=40.0, remaining=60.0)
    snapshot_url = f"/files/snapshots/{snap.pk}/image/"
    page.wait_for_function("([sel, url]) => document.querySelector(sel).getAttribute('src') === url",
                           arg=[f".job-card[data-job='{running.pk}'] img", snapshot_url])
    bar = _card(page, running).locator("[data-card-progress]")
    assert bar.get_attribute("aria-valuenow") == "40"
    assert _card(page, running).locator("[data-card-text]").inner_text() == "20 / 50 iterations, about 1 min left"
    assert "pending" not in (_card(page, running).locator("img").get_attribute("class") or "")
    screenshot("gallery-live-1-running")

    # It finishes: the card shows the painting, its badge says so, the bar goes.
    finished = Job.objects.get(pk=running.pk)
    finished.result.save("result.png", ContentFile(_jpeg((240, 90, 60))), save=False)
    finished.status, finished.iteration, finished.finished_at = Job.Status.SUCCEEDED, 50, timezone.now()
    finished.save()
    page.wait_for_function("([sel, url]) => document.querySelector(sel).getAttribute('src') === url",
                           arg=[f".job-card[data-job='{running.pk}'] img", result_url(finished)])
    assert _card(page, running).locator(".badge").inner_text() == "Succeeded"
    assert bar.is_hidden()
    # Only the queued job is still asked about; once it ends (cancelled), nothing is.
    page.wait_for_timeout(400)
    assert polls[-1].endswith(f"?id={queued.pk}")
    Job.objects.filter(pk=queued.pk).update(status=Job.Status.CANCELLED, finished_at=timezone.now())
    _card(page, queued).locator(".badge", has_text="Cancelled").wait_for()
    count = len(polls)
    page.wait_for_timeout(1000)  # three polls' time
    assert len(polls) == count
    assert page.evaluate("window.__sameDocument") is True
    screenshot("gallery-live-2-finished")


def test_on_a_phone_long_file_names_stay_in_their_cards_and_the_header_is_one_row(page, live_server,
                                                                                  gallery, screenshot,
                                                                                  no_outside_requests):
    alice, running, queued = gallery
    sign_in(page, live_server, alice)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/jobs/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for job in (running, queued):
        name = _card(page, job).locator(".card-file")
        assert name.get_attribute("title") == LONG_NAME
        assert name.evaluate("el => el.scrollWidth > el.clientWidth")  # cut with an ellipsis
        card, box = _card(page, job).bounding_box(), name.bounding_box()
        assert box["x"] + box["width"] <= card["x"] + card["width"]
    # One row: the brand and the Menu button; "New painting" once, on the page.
    assert page.locator(".topbar").bounding_box()["height"] < 70
    assert page.get_by_role("link", name="New painting").filter(visible=True).count() == 1
    screenshot("gallery-live-3-phone")

    menu = page.get_by_role("button", name="Menu")
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Themes", "My photos", "My gallery", "New painting"):
        assert nav.get_by_role("link", name=name).is_visible()
    screenshot("gallery-live-4-phone-menu")
    page.keyboard.press("Escape")
    assert not nav.get_by_role("link", name="My photos").is_visible()
    assert menu.get_attribute("aria-expanded") == "false"

    page.set_viewport_size(DESKTOP)  # no Menu button: the links in the bar
    assert not menu.is_visible() and nav.get_by_role("link", name="My photos").is_visible()
