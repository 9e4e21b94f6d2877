"""Uploading a photo in a real browser: choosing a file uploads it at once, as dropping one does,
with its progress in the drop zone; the browser's own file control is hidden but still reached by
the keyboard; errors show in place; without JS the plain form works. Screenshots go to
test-output/e2e/upload-*.png."""
import re

import pytest
from PIL import Image

from browser_helpers import PHONE, sign_in
from gallery.models import Photo
from helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password=PASSWORD)


def _photo(path, size=(1000, 750)):
    """A noisy JPEG of a few hundred KB: big enough for a throttled upload to show progress."""
    Image.effect_noise(size, 60).convert("RGB").save(path, "JPEG", quality=92)
    return path


def _slow_uploads(page, bytes_per_second):
    """Chromium's network emulation: uploads go at this speed."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second})


def test_a_chosen_photo_uploads_at_once_with_its_progress(page, live_server, alice, screenshot, tmp_path,
                                                          no_outside_requests):
    sign_in(page, live_server, alice)
    page.goto(f"{live_server.url}/photos/")
    zone = page.locator("[data-dropzone]")
    file_input = page.locator("input[type=file]")
    assert not page.get_by_role("button", name="Upload photo", exact=True).is_visible()  # the zone is the control
    box = file_input.bounding_box()
    assert box is None or box["width"] <= 1 and box["height"] <= 1  # no bare browser control
    screenshot("upload-1-empty")

    # The keyboard reaches the hidden input, and the zone shows where the focus is.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "file":
            break
    assert page.evaluate("document.activeElement.id") == file_input.get_attribute("id")
    assert zone.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    screenshot("upload-2-focused")

    path = _photo(tmp_path / "a-rather-long-name-for-a-summer-photo-at-the-lake.jpg")
    _slow_uploads(page, 400_000)
    file_input.set_input_files(str(path))  # no click on anything else
    page.locator("[data-upload-progress]").wait_for()
    assert zone.locator("[data-dropzone-label]").inner_text() == path.name
    page.wait_for_function(
        "() => document.querySelector('[data-dropzone-hint]').textContent.startsWith('Uploading… ')")
    screenshot("upload-3-progress")
    page.locator(".photo-card", has_text=path.name).wait_for()
    assert page.get_by_role("status").inner_text() == f"“{path.name}” uploaded."
    assert Photo.objects.get(owner=alice).original_name == path.name
    screenshot("upload-4-uploaded")
    page.set_viewport_size(PHONE)
    screenshot("upload-5-phone")


def test_an_error_shows_in_place_and_the_next_choice_uploads(page, live_server, alice, screenshot,
                                                             tmp_path, no_outside_requests):
    sign_in(page, live_server, alice)
    page.goto(f"{live_server.url}/photos/")
    page.evaluate("window.__sameDocument = true")
    bad = tmp_path / "notes.jpg"
    bad.write_text("just text")
    page.set_input_files("input[type=file]", str(bad))
    error = page.locator(".upload-card .error")
    error.wait_for()
    assert "not an image" in error.inner_text()
    assert page.evaluate("window.__sameDocument") is True  # no reload
    assert "has-error" in page.locator("[data-dropzone]").get_attribute("class")
    screenshot("upload-6-error")

    page.set_input_files("input[type=file]", str(_photo(tmp_path / "good.jpg", (320, 240))))
    page.locator(".photo-card", has_text="good.jpg").wait_for()
    assert not page.locator(".upload-card .error").count()


def test_without_javascript_the_plain_form_uploads(browser, live_server, alice, tmp_path):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    try:
        sign_in(page, live_server, alice)
        page.goto(f"{live_server.url}/photos/")
        page.set_input_files("input[type=file]", str(_photo(tmp_path / "plain.jpg", (320, 240))))
        assert page.locator(".dropzone-chosen").is_visible()  # "Photo chosen: now press Upload photo"
        page.get_by_role("button", name="Upload photo", exact=True).click()
        page.wait_for_url(re.compile(r"/photos/$"))
        page.locator(".photo-card", has_text="plain.jpg").wait_for()
    finally:
        context.close()
