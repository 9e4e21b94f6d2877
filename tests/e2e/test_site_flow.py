"""A new user in a real browser: sign up, upload a photo, see it, paint it in two styles, see the
job queued in the gallery. Screenshots of every page go to test-output/e2e/."""
import re

import pytest
from PIL import Image, ImageDraw

from gallery import tasks
from gallery.models import Job

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "painting-with-light-77"


def _landscape(path):
    """A small colourful "photo": sky, sun, hills, a lake."""
    img = Image.new("RGB", (640, 420))
    draw = ImageDraw.Draw(img)
    for y in range(420):
        draw.line([(0, y), (640, y)], fill=(90 + y // 6, 150 + y // 8, 235 - y // 4))
    draw.ellipse((460, 50, 560, 150), fill=(255, 214, 102))
    draw.polygon([(0, 300), (160, 170), (330, 290), (480, 200), (640, 300), (640, 420), (0, 420)], fill=(60, 130, 70))
    draw.rectangle((0, 340, 640, 420), fill=(40, 90, 160))
    img.save(path, "JPEG", quality=90)
    return path


def test_sign_up_upload_and_paint_in_two_styles(page, live_server, installed_themes, screenshot, tmp_path,
                                                monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "enqueue_job", queued.append)  # the worker is not under test here
    url = live_server.url

    page.goto(f"{url}/themes/")
    page.get_by_role("heading", name="The Starry Night").wait_for()
    screenshot("01-themes")

    # sign up
    page.goto(f"{url}/accounts/signup/")
    page.fill("#id_username", "dora")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    screenshot("02-signup")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/photos/$"))
    assert page.locator(".user-name").inner_text() == "dora"
    screenshot("03-photos-empty")

    # choose a photo with the drop zone: it uploads at once
    page.set_input_files("input[type=file]", str(_landscape(tmp_path / "lake.jpg")))
    card = page.locator(".photo-card", has_text="lake.jpg")
    card.wait_for()
    assert card.locator("img").evaluate("img => img.naturalWidth") > 0  # the private thumbnail loads
    screenshot("04-photos")

    # a new job with two themes
    card.get_by_role("link", name="Paint it").click()
    page.wait_for_url(re.compile(r"/jobs/new/"))
    assert page.locator(".photo-choice input").first.is_checked()
    page.select_option("select[name=themes-0-theme]", "starry-night")
    page.click("[data-add-theme]")
    page.select_option("select[name=themes-1-theme]", "the-scream")
    page.fill("input[name=themes-1-weight]", "0.5")
    page.check("input[name=mode][value=full]")
    page.fill("input[name=iterations]", "50")
    page.check("input[name=preserve_colors]")
    page.locator("details.advanced summary").click()
    page.wait_for_function("() => document.querySelector('[data-theme-row] img[src]') !== null")
    screenshot("05-new-job")
    page.click("button:has-text('Start painting')")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    screenshot("06-job-page")

    job = Job.objects.get(owner__username="dora")
    assert job.status == Job.Status.QUEUED
    assert [(jt.theme.slug, jt.weight) for jt in job.job_themes.all()] == [("starry-night", 1.0), ("the-scream", 0.5)]
    assert job.params["iterations"] == 50 and job.params["preserve_colors"] is True
    assert queued == [job.pk]

    # my gallery shows it queued
    page.goto(f"{url}/jobs/")
    job_card = page.locator(f".job-card[data-job='{job.pk}']")
    assert job_card.locator(".badge").inner_text() == "Queued"
    assert "The Starry Night + The Scream" in job_card.inner_text()
    screenshot("07-gallery")

    # the same pages on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("08-gallery-phone")
    page.goto(f"{url}/jobs/new/")
    screenshot("09-new-job-phone")


def test_a_photo_dropped_on_the_drop_zone_is_uploaded(page, live_server, django_user_model, screenshot, tmp_path):
    import base64

    django_user_model.objects.create_user("emil", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/?next=/photos/")
    page.fill("#id_username", "emil")
    page.fill("#id_password", PASSWORD)
    screenshot("10-login")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/photos/$"))

    data = base64.b64encode(_landscape(tmp_path / "dropped.jpg").read_bytes()).decode()
    with page.expect_navigation():
        page.evaluate(
            """data => {
                const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
                const dt = new DataTransfer();
                dt.items.add(new File([bytes], "dropped.jpg", {type: "image/jpeg"}));
                const zone = document.querySelector("[data-dropzone]");
                zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
                zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
            }""",
            data,
        )
    page.locator(".photo-card", has_text="dropped.jpg").wait_for()

    # a file that is not an image gets a readable error on the page
    bad = tmp_path / "notes.jpg"
    bad.write_text("just text")
    page.set_input_files("input[type=file]", str(bad))
    page.locator(".upload-card .error").wait_for()
    assert "not an image" in page.locator(".upload-card .error").inner_text()
    screenshot("11-photos-upload-error")
