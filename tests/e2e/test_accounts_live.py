"""Accounts in a real browser (issue 14): sign up with an e-mail address, log out and read so,
reset the forgotten password through the link in the mail, change the account's settings; and the
job page's "Notify me when it's done", whose notification shows when the polled painting finishes.
Every page at 1280 and 390 px wide goes to test-output/e2e/accounts-*.png; no page asks any host
but the site.
"""
import io
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gallery import services, tasks
from gallery.forms import RESET_MAIL_THREAD
from gallery.models import Job, Theme

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
PASSWORD = "letters-from-the-studio-3"
NEW_PASSWORD = "a-second-brush-stroke-41"

# Records every Notification the page makes; the permission stays the browser's own.
NOTIFICATION_STUB = """(() => {
  const Real = window.Notification;
  window.__notes = [];
  function Recorded(title, options) {
    window.__notes.push({ title: title, body: (options || {}).body, tag: (options || {}).tag });
    this.close = () => {};
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
})();"""


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # sign-ups and resets are counted per address in the cache
    yield
    cache.clear()


def _shots(page, name: str) -> None:
    """The page at desktop and at phone width (full page, from its top)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for width, height, suffix in ((1280, 860, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(OUTPUT / f"accounts-{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})


def _jpeg(color, size=(320, 240)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="JPEG")
    return SimpleUploadedFile("lake.jpg", buf.getvalue(), content_type="image/jpeg")


def test_sign_up_log_out_reset_the_password_and_change_the_settings(page, live_server,
                                                                     mailoutbox,
                                                                     no_outside_requests):
    url = live_server.url

    page.goto(f"{url}/accounts/signup/")
    page.fill("#id_username", "fern")
    page.fill("#id_email", "fern@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    _shots(page, "01-signup")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/photos/$"))

    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    assert "You are logged out" in page.locator(".messages").inner_text()
    _shots(page, "02-logged-out")

    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(re.compile(r"/accounts/password_reset/$"))
    page.fill("#id_email", "fern@example.com")
    _shots(page, "03-reset-form")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/password_reset/done/$"))
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    _shots(page, "04-reset-sent")

    for thread in threading.enumerate():  # the mail is sent from a thread of its own
        if thread.name == RESET_MAIL_THREAD:
            thread.join(timeout=10)
    [mail] = mailoutbox
    link = urlsplit(re.search(r"https?://\S+/accounts/reset/\S+/", mail.body).group(0)).path
    page.goto(f"{url}{link}")
    page.get_by_role("heading", name="Choose a new password").wait_for()
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    _shots(page, "05-reset-new-password")
    page.click("button[type=submit]")
    page.get_by_role("heading", name="Your new password is set").wait_for()
    _shots(page, "06-reset-done")
    page.goto(f"{url}{link}")
    page.get_by_role("heading", name="This link has expired").wait_for()
    _shots(page, "07-reset-link-used")

    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "fern")
    page.fill("#id_password", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.locator(".user-name", has_text="fern").wait_for()

    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Account settings").click()
    page.wait_for_url(re.compile(r"/accounts/settings/$"))
    assert page.input_value("#id_email") == "fern@example.com"
    page.fill("#id_email", "fern@studio.example.com")
    page.check("#id_email_when_finished")
    page.get_by_role("button", name="Save").click()
    page.locator("#field-password .error").wait_for()  # a new address asks for the password
    _shots(page, "08-settings-error")
    page.fill("#id_password", NEW_PASSWORD)
    page.get_by_role("button", name="Save").click()
    page.locator(".messages", has_text="saved").wait_for()
    assert page.input_value("#id_email") == "fern@studio.example.com"
    assert page.is_checked("#id_email_when_finished")
    _shots(page, "09-settings-saved")


@pytest.fixture
def ginas_painting(django_user_model, monkeypatch):
    """gina's full painting, queued (no worker: the test finishes it by hand)."""
    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)
    gina = django_user_model.objects.create_user("gina", password=PASSWORD)
    theme = services.theme_set_image(
        theme=Theme(slug="blue-period", title="Blue Period", artist="A. Painter", year="1901"),
        upload=_jpeg((30, 60, 160)))
    photo = services.photo_create(owner=gina, upload=_jpeg((200, 180, 90)))
    return services.job_create(owner=gina, photo=photo, themes=[(theme, 1.0)],
                               params={"iterations": 20, "size": 128})


def test_the_job_page_notifies_when_the_painting_is_done(page, live_server, ginas_painting,
                                                         no_outside_requests):
    url, job = live_server.url, ginas_painting
    page.context.grant_permissions(["notifications"], origin=url)
    page.context.add_init_script(NOTIFICATION_STUB)
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "gina")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.locator(".user-name", has_text="gina").wait_for()

    page.goto(f"{url}/jobs/{job.pk}/")
    page.get_by_role("button", name="Notify me when it's done").click()
    page.get_by_role("button", name="You will be notified").wait_for()
    assert page.locator("[data-notify]").get_attribute("aria-pressed") == "true"
    _shots(page, "10-job-notify")

    job.result.save("result.png", ContentFile(_png()), save=False)
    Job.objects.filter(pk=job.pk).update(result=job.result.name, status=Job.Status.SUCCEEDED,
                                         iteration=20, finished_at=timezone.now())
    page.wait_for_function("() => window.__notes.length > 0")
    page.wait_for_timeout(3500)  # a later poll would not notify again (none is made)
    assert page.evaluate("window.__notes") == [{
        "title": "Your painting is ready", "body": "Blue Period", "tag": f"job-{job.pk}"}]
    assert page.locator("[data-notify]").is_hidden()

    # The choice is remembered for the next painting's page, which starts armed.
    again = services.job_rerun(job=Job.objects.get(pk=job.pk))
    page.goto(f"{url}/jobs/{again.pk}/")
    page.get_by_role("button", name="You will be notified").wait_for()


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (128, 96), (90, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()
