"""The job page in a real browser, in states made in the database (no worker): the snapshot strip
shows whole thumbnails, says that it scrolls and keeps the newest in view while the job runs; the
time left is said once; on a phone the actions wrap tidily in every state; Download offers a PNG
and a JPEG named after the photo and the theme. Screenshots go to test-output/e2e/job-page-*.png."""
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from browser_helpers import DESKTOP, PHONE, sign_in
from gallery import services, tasks
from gallery.models import Job, Snapshot, Theme
from gallery.views import job_detail
from helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

SIZE = (192, 144)
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def pictures(tubingen, starry_night):
    """The photo, the painting, and a step from one to the other (as snapshots look)."""
    photo = Image.open(tubingen).convert("RGB").resize(SIZE)
    painting = Image.open(starry_night).convert("RGB").resize(SIZE)
    return photo, painting, lambda t: Image.blend(photo, painting, t)


@pytest.fixture
def alice(django_user_model, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)  # no worker here
    monkeypatch.setattr(job_detail, "POLL_MS", 300)
    return django_user_model.objects.create_user("alice", password=PASSWORD)


@pytest.fixture
def make_job(alice, pictures):
    """make_job(status, snapshots=0, mode="full") -> alice's job of tubingen.jpg after The Starry
    Night, as the worker leaves it in that state."""
    photo_image, painting, step = pictures
    theme = services.theme_set_image(
        theme=Theme(slug="starry-night", title="The Starry Night", artist="Vincent van Gogh"),
        upload=ContentFile(_jpeg(painting), name="starry.jpg"))
    photo = services.photo_create(owner=alice, upload=ContentFile(_jpeg(photo_image), name="tubingen.jpg"))

    def make(status, *, snapshots=0, mode=Job.Mode.FULL):
        job = services.job_create(owner=alice, photo=photo, themes=[(theme, 1.0)],
                                  params={"iterations": 300, "snapshot_every": 10, "size": 192})
        for k in range(1, snapshots + 1):
            snap = Snapshot(job=job, iteration=10 * k, losses={"total": 10.0 / k})
            snap.image.save("snap.jpg", ContentFile(_jpeg(step(k / (snapshots + 1)))), save=True)
        done = 10 * snapshots
        fields = {"status": status, "mode": mode, "total": 300, "iteration": done, "elapsed": done * 0.3,
                  "remaining": (300 - done) * 0.3, "loss_history": [[i, 10.0 / i] for i in range(1, done + 1)],
                  "losses": {"content": 1.2, "style": 3.4, "tv": 0.05, "total": 4.65} if done else {}}
        if status != Job.Status.QUEUED:
            fields["started_at"] = timezone.now()
        if status == Job.Status.FAILED:
            fields["error"] = "Out of memory: try again with a smaller size."
        Job.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
        if status == Job.Status.SUCCEEDED:
            job.result.save("result.png", ContentFile(_png(painting.convert("RGBA"))), save=False)
            job.remaining = 0
            job.finished_at = timezone.now()
            job.save()
        return job

    return make


@pytest.fixture
def screenshot(page):
    """screenshot("name"): the whole page as a PNG under test-output/e2e/, shot in a viewport as
    tall as the page. (Playwright's full_page capture, the `screenshot` of conftest.py, moves the
    strip's scroll position as it shoots: its pictures would show a strip nobody sees.)"""
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def save(name: str):
        size = page.viewport_size
        page.evaluate("window.scrollTo(0, 0)")
        tall = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(tall, size["height"])})
        page.screenshot(path=str(OUTPUT / f"{name}.png"))
        page.set_viewport_size(size)

    return save


STRIP = """() => {
    const strip = document.querySelector('.snapshot-strip');
    const box = strip.getBoundingClientRect();
    const items = [...strip.querySelectorAll('li')].map(li => li.getBoundingClientRect());
    const seen = items.map((r, i) => [i, r]).filter(([i, r]) => r.right > box.left + 1 && r.left < box.right - 1);
    return {
        count: items.length,
        seen: seen.map(([i]) => i),
        cut: seen.filter(([i, r]) => r.left < box.left - 1 || r.right > box.right + 1).map(([i]) => i),
        width: items.length ? Math.round(items[0].width) : 0,
        atStart: strip.scrollLeft <= 1,
        atEnd: strip.scrollLeft + strip.clientWidth >= strip.scrollWidth - 2,
        range: document.querySelector('[data-bind=strip-range]').textContent,
        navShown: !document.querySelector('[data-strip-nav]').hidden,
        prev: !document.querySelector('[data-strip-prev]').disabled,
        next: !document.querySelector('[data-strip-next]').disabled,
        fade: [...document.querySelector('[data-strip-frame]').classList].filter(c => c.startsWith('more-')),
    };
}"""

SETTLED = """async () => {  // the strip has stopped scrolling (a smooth scroll, then the snap)
    const strip = document.querySelector('.snapshot-strip');
    let last = null, same = 0;
    while (same < 4) {
        await new Promise(done => setTimeout(done, 120));
        same = strip.scrollLeft === last ? same + 1 : 0;
        last = strip.scrollLeft;
    }
}"""


def _strip(page) -> dict:
    page.evaluate(SETTLED)
    return page.evaluate(STRIP)


def test_the_strip_shows_whole_thumbnails_says_it_scrolls_and_follows_the_newest(
        page, live_server, alice, make_job, pictures, screenshot, no_outside_requests):
    job = make_job(Job.Status.RUNNING, snapshots=14)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    page.evaluate("window.__sameDocument = true")

    strip = _strip(page)
    assert strip["count"] == 14 and strip["cut"] == [] and strip["atEnd"]  # the newest, whole
    assert strip["seen"][-1] == 13 and len(strip["seen"]) == 9 and strip["width"] >= 96
    assert strip["navShown"] and strip["range"] == "6–14 of 14"
    assert strip["prev"] and not strip["next"] and strip["fade"] == ["more-before"]
    # The time left is said once: in words, beside the percentage.
    assert page.locator("[data-bind=remaining-text]").inner_text() == "about 48 s left"
    assert page.get_by_role("region", name="Progress").inner_text().count("left") == 1
    assert "Remaining" not in page.locator("#job").inner_text()
    screenshot("job-page-1-running")

    # Back to the start with the arrow: still whole thumbnails, a page of them at a time.
    page.click("[data-strip-prev]")
    strip = _strip(page)
    assert strip["cut"] == [] and strip["seen"][0] == 0 and strip["atStart"]
    assert strip["range"] == "1–9 of 14" and strip["fade"] == ["more-after"]
    # While the person looks back, a new snapshot does not pull the strip away...
    _, _, step = pictures
    snap = Snapshot(job=job, iteration=150, losses={"total": 0.6})
    snap.image.save("snap.jpg", ContentFile(_jpeg(step(0.97))), save=True)
    Job.objects.filter(pk=job.pk).update(iteration=150, elapsed=45.0, remaining=45.0)
    page.wait_for_function("() => document.querySelectorAll('.snapshot-strip li').length === 15")
    strip = _strip(page)
    assert strip["atStart"] and strip["range"] == "1–9 of 15"
    # ...and once back at the end, the next one is followed, whole.
    page.click("[data-strip-next]")
    strip = _strip(page)
    assert strip["atEnd"] and strip["cut"] == [] and not strip["next"]
    snap = Snapshot(job=job, iteration=160, losses={"total": 0.55})
    snap.image.save("snap.jpg", ContentFile(_jpeg(step(0.98))), save=True)
    page.wait_for_function("() => document.querySelectorAll('.snapshot-strip li').length === 16")
    strip = _strip(page)
    assert strip["atEnd"] and strip["cut"] == [] and strip["seen"][-1] == 15
    assert page.evaluate("window.__sameDocument === true")

    # A phone: fewer, still whole, still the newest.
    page.set_viewport_size(PHONE)
    page.reload()
    strip = _strip(page)
    assert strip["cut"] == [] and strip["atEnd"] and strip["seen"][-1] == 15
    assert len(strip["seen"]) == 3 and strip["width"] >= 96 and strip["range"] == "14–16 of 16"
    screenshot("job-page-2-running-phone")


def test_a_finished_strip_starts_at_the_first_snapshot(page, live_server, alice, make_job, screenshot,
                                                       no_outside_requests):
    job = make_job(Job.Status.SUCCEEDED, snapshots=12)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    strip = _strip(page)
    assert strip["atStart"] and strip["cut"] == [] and strip["range"] == "1–9 of 12"
    assert strip["next"] and not strip["prev"] and strip["fade"] == ["more-after"]
    page.locator("img[data-bind=result]").wait_for(state="visible")
    screenshot("job-page-3-finished")
    page.set_viewport_size(PHONE)
    assert _strip(page)["cut"] == []
    screenshot("job-page-4-finished-phone")


ACTION_ROWS = """() => {
    const actions = document.querySelector('.job-actions');
    const shown = [actions.querySelector('.status-pill'),
                   ...actions.querySelectorAll('.job-buttons > *'),
                   actions.querySelector('.more-menu > summary')]
        .filter(el => el.getClientRects().length)
        .map(el => el.closest('details') && el.tagName !== 'SUMMARY' ? el.querySelector('summary') : el)
        .map(el => { const r = el.getBoundingClientRect();
                     const button = el.matches('.btn, .status-pill') ? el : el.querySelector('.btn');
                     return {text: el.innerText.trim(), middle: Math.round((r.top + r.bottom) / 2),
                             left: r.left, right: r.right,
                             fits: button.scrollWidth <= button.clientWidth + 1}; });
    const rows = {};
    shown.forEach(item => { (rows[item.middle] = rows[item.middle] || []).push(item); });
    return {rows: Object.keys(rows).sort((a, b) => a - b).map(top => rows[top]),
            width: document.documentElement.clientWidth,
            overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth};
}"""

STATES = [  # (name, status, mode, what the rows say)
    ("queued", Job.Status.QUEUED, Job.Mode.FULL, [["Queued", "More"], ["Notify me when it's done", "Cancel"]]),
    ("running", Job.Status.RUNNING, Job.Mode.FULL, [["Running", "More"], ["Notify me when it's done", "Cancel"]]),
    ("finished", Job.Status.SUCCEEDED, Job.Mode.FULL, [["Succeeded", "More"], ["Download", "Share", "Paint again"]]),
    ("instant", Job.Status.SUCCEEDED, Job.Mode.INSTANT, [["Succeeded", "More"], ["Download", "Share", "Paint again"]]),
    ("failed", Job.Status.FAILED, Job.Mode.FULL, [["Failed", "More"], ["Try again", "Paint again"]]),
    ("cancelled", Job.Status.CANCELLED, Job.Mode.FULL, [["Cancelled", "More"], ["Try again", "Paint again"]]),
]


@pytest.mark.parametrize("name,status,mode,rows", STATES, ids=[s[0] for s in STATES])
def test_on_a_phone_the_actions_wrap_tidily_in_every_state(page, live_server, alice, make_job, screenshot,
                                                           no_outside_requests, name, status, mode, rows):
    job = make_job(status, snapshots=0 if status == Job.Status.QUEUED else 4, mode=mode)
    sign_in(page, live_server, alice)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    page.wait_for_function("() => document.getElementById('job').dataset.status")
    page.wait_for_timeout(400)  # notify.js shows its button where the browser can notify
    seen = page.evaluate(ACTION_ROWS)
    assert [[item["text"].split("\n")[0] for item in row] for row in seen["rows"]] == rows
    assert not seen["overflow"]
    for row in seen["rows"]:
        assert row[0]["left"] >= 0 and row[-1]["right"] <= seen["width"]
        assert all(item["fits"] for item in row), row  # no label cut inside its button
    screenshot(f"job-page-5-phone-{name}")
    # Delete (and an instant painting's "Full painting") wait behind More.
    delete = page.get_by_role("link", name="Delete")
    assert delete.is_hidden()
    page.locator(".more-menu > summary").click()
    assert delete.is_visible()
    assert page.get_by_role("button", name="Full painting").is_visible() == (mode == Job.Mode.INSTANT)
    box = page.locator(".more-menu .menu-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    if name == "instant":
        screenshot("job-page-5-phone-instant-more")
    page.keyboard.press("Escape")
    assert delete.is_hidden()
    assert page.evaluate("document.activeElement.matches('.more-menu > summary')")  # focus goes back
    page.evaluate("document.activeElement.blur()")

    page.set_viewport_size(DESKTOP)  # one row beside the title
    desktop = page.evaluate(ACTION_ROWS)
    assert len(desktop["rows"]) == 1, desktop["rows"]
    if name in ("running", "finished"):
        screenshot(f"job-page-6-desktop-{name}")


def test_download_offers_a_png_and_a_jpeg_named_after_the_photo_and_the_theme(
        page, live_server, alice, make_job, screenshot, no_outside_requests):
    job = make_job(Job.Status.SUCCEEDED, snapshots=3)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    menu = page.locator("[data-bind=downloads]")
    png, jpeg = page.get_by_role("link", name="PNG lossless"), page.get_by_role("link", name="JPEG smaller")
    assert png.is_hidden()
    menu.locator("summary").click()
    assert png.is_visible() and jpeg.is_visible()
    screenshot("job-page-7-download-menu")

    saved = {}
    for link, fmt in ((png, "PNG"), (jpeg, "JPEG")):
        if not link.is_visible():
            menu.locator("summary").click()
        with page.expect_download() as info:
            link.click()
        download = info.value
        image = Image.open(download.path())
        assert image.format == fmt and image.size == SIZE
        saved[fmt] = download.suggested_filename
        assert not menu.evaluate("details => details.open")  # the choice closes the menu
    assert saved == {"PNG": "tubingen-starry-night.png", "JPEG": "tubingen-starry-night.jpg"}

    page.set_viewport_size(PHONE)
    menu.locator("summary").click()
    box = page.locator(".download-menu .menu-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot("job-page-8-download-menu-phone")
    page.mouse.click(5, 700)  # a click elsewhere closes it
    assert png.is_hidden()
