"""A finished painting's colours, in a real browser: ticking "Keep the photo's colours" shows a
spinner, then swaps the picture for the new version (made by the instant lane's task in a thread
of this process, from the raw result) without reloading the page; the slider mixes the photo in;
Download saves the version shown; without JavaScript the panel is a plain form. Screenshots at
1280 and 390 px wide go to test-output/e2e/colors-*.png."""
import re
import time
from pathlib import Path

import pytest

from gallery import services, tasks
from gallery.models import Theme
from gallery.views.media import result_url
from browser_helpers import log_in
from helpers import shrunk_upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

PASSWORD = "colours-of-the-evening-3"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"  # as the screenshot fixture


@pytest.fixture
def recolor_thread(in_threads):
    """enqueue_recolor runs the task in a thread of this process, as the instant lane would,
    a moment later (so the page is seen waiting)."""
    def work(job_id):
        time.sleep(0.8)
        tasks.recolor_job(job_id)

    return in_threads(tasks, "enqueue_recolor", work)


@pytest.fixture
def painting(installed_themes, worker_settings, django_user_model, tubingen):
    """frida's full painting of Tubingen after The Starry Night, run to its end."""
    frida = django_user_model.objects.create_user("frida", password=PASSWORD)
    photo = services.photo_create(owner=frida, upload=shrunk_upload(tubingen, "tubingen.jpg", 480))
    job = services.job_create(owner=frida, photo=photo,
                              themes=[(Theme.objects.get(title="The Starry Night"), 1.0)],
                              params={"size": 256, "iterations": 12, "snapshot_every": 4,
                                      "seed": 5})
    assert tasks.run_job(job.pk) == "succeeded"
    job.refresh_from_db()
    return job


def _result_src(page) -> str:
    return page.locator("img[data-bind=result]").get_attribute("src")


def _pixels(page) -> str:
    """A digest of the result's pixels as the browser decoded them."""
    page.wait_for_function("() => { const i = document.querySelector('img[data-bind=result]');"
                           " return i.complete && i.naturalWidth > 0; }")
    return page.evaluate("""() => {
        const img = document.querySelector('img[data-bind=result]');
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let h = 0;
        for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) >>> 0;
        return String(h);
    }""")


def _wait_for_new_version(page, old_src: str, seen_spinner: list, on_spinner=None) -> None:
    deadline = time.monotonic() + 30
    while _result_src(page) == old_src and time.monotonic() < deadline:
        if page.locator("[data-bind=colors-making]").is_visible():
            if not seen_spinner and on_spinner:
                on_spinner()
            seen_spinner.append(True)
        time.sleep(0.1)
    assert _result_src(page) != old_src, "the picture never changed"


def test_switching_colours_on_a_finished_painting_swaps_the_picture_in_place(
        page, live_server, painting, recolor_thread, screenshot):
    url = live_server.url
    log_in(page, url, "frida", PASSWORD)
    page.goto(f"{url}/jobs/{painting.pk}/")
    page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads
    panel = page.get_by_role("region", name="Colours")
    keep = page.get_by_label("Keep the photo's colours")
    assert panel.is_visible() and not keep.is_checked()
    assert page.get_by_label("Match the photo's colour histogram").is_visible()
    assert page.get_by_label("Mix with the photo").input_value() == "0"
    assert page.locator("[data-colors-apply]").is_hidden()  # changes apply themselves
    before_src, before_pixels = _result_src(page), _pixels(page)
    screenshot("colors-1-desktop")

    keep.check()
    seen_spinner = []
    _wait_for_new_version(page, before_src, seen_spinner,
                          on_spinner=lambda: screenshot("colors-2-making-desktop"))
    assert seen_spinner, "no spinner while the new version was being made"
    assert _pixels(page) != before_pixels
    page.locator("[data-bind=colors-making]").wait_for(state="hidden")
    painting.refresh_from_db()
    assert painting.colors["shown"] == {"keep_colors": True, "match_histogram": False, "mix": 0.0}
    assert page.evaluate("window.__sameDocument === true")
    screenshot("colors-3-kept-desktop")

    # Download saves the version shown, named after the photo and the theme.
    page.locator("[data-bind=downloads] summary").click()
    download = page.locator("a[data-download=png]")
    assert download.get_attribute("href") == _result_src(page) + "&download=png"
    with page.expect_download() as info:
        download.click()
    saved = info.value
    assert saved.suggested_filename == "tubingen-starry-night.png"
    with painting.result.open("rb") as f:
        assert Path(saved.path()).read_bytes() == f.read()

    # The slider mixes the photo in, once let go.
    kept_src = _result_src(page)
    page.get_by_label("Mix with the photo").evaluate(
        "r => { r.value = 60; r.dispatchEvent(new Event('input', {bubbles: true}));"
        " r.dispatchEvent(new Event('change', {bubbles: true})); }")
    assert page.locator("[data-bind=mix-value]").inner_text() == "60%"
    _wait_for_new_version(page, kept_src, [])
    painting.refresh_from_db()
    assert painting.colors["shown"]["mix"] == 0.6
    assert page.evaluate("window.__sameDocument === true")

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("colors-4-phone")
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll


def test_without_javascript_the_panel_is_a_plain_form(browser, live_server, painting,
                                                      recolor_thread):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "frida", PASSWORD)
        page.goto(f"{live_server.url}/jobs/{painting.pk}/")
        page.get_by_label("Match the photo's colour histogram").check()
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(rf"/jobs/{painting.pk}/$"))
        assert page.get_by_label("Match the photo's colour histogram").is_checked()
        assert page.locator("[data-bind=colors-busy]").is_visible()  # being made
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / "colors-5-no-js-phone.png"), full_page=True)
        for thread in recolor_thread:
            thread.join(timeout=60)
        page.reload()
        assert page.locator("[data-bind=colors-busy]").is_hidden()
        painting.refresh_from_db()
        assert painting.colors["shown"]["match_histogram"] is True
        assert page.locator("img[data-bind=result]").get_attribute("src") == result_url(painting)
    finally:
        context.close()
