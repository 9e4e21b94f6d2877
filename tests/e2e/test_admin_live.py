"""The admin's pages of a theme and of a painting in a real browser (issue 14): every image is a
preview that loads through a view that checks who asks, the network and the engine's state are
downloads, and no link goes to /media/. Screenshots at desktop and phone width go to
test-output/e2e/admin-*.png."""
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gallery import services, tasks
from gallery.models import Job, Theme
from browser_helpers import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _jpeg(color=(90, 140, 200), size=(480, 320), fmt="JPEG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture
def sam(django_user_model):
    return django_user_model.objects.create_superuser("sam", password="a-long-test-password-42")


@pytest.fixture
def painted_job(django_user_model, installed_themes, monkeypatch):
    """A user's finished painting with every file a job keeps."""
    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)  # no worker here
    owner = django_user_model.objects.create_user("olga", password="a-long-test-password-42")
    photo = services.photo_create(owner=owner, upload=SimpleUploadedFile(
        "lake.jpg", _jpeg(), content_type="image/jpeg"))
    job = services.job_create(owner=owner, photo=photo, params={"iterations": 10},
                              themes=[(Theme.objects.get(slug="starry-night"), 1.0)])
    for field, name, data in [("result", "result.png", _jpeg((200, 90, 60), fmt="PNG")),
                              ("raw_result", "raw.png", _jpeg((180, 80, 70), fmt="PNG")),
                              ("preview", "preview.jpg", _jpeg((60, 90, 200))),
                              ("regions", "regions.png", _jpeg((255, 255, 255), fmt="PNG")),
                              ("state", "state.pt", b"state")]:
        getattr(job, field).save(name, ContentFile(data), save=False)
    job.status, job.iteration = Job.Status.SUCCEEDED, 10
    job.save()
    return job


def _check_files(page):
    """Every image has loaded, every file link answers 200, and nothing points to /media/."""
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    broken = page.evaluate(
        "() => [...document.images].filter(i => !i.naturalWidth).map(i => i.src)")
    assert broken == []
    assert "/media/" not in page.content()
    links = page.eval_on_selector_all(
        "a[href*='/files/'], img[src*='/files/']", "els => els.map(e => e.href || e.src)")
    assert links
    for url in set(links):
        assert page.request.get(url).status == 200, url
    return links


def test_the_theme_page_shows_its_images_and_network_through_checked_views(
        page, live_server, installed_themes, sam, screenshot, no_outside_requests):
    sign_in(page, live_server, sam)
    theme = Theme.objects.get(slug="starry-night")
    page.goto(f"{live_server.url}/admin/gallery/theme/{theme.pk}/change/")
    links = _check_files(page)
    assert any(url.endswith(f"/files/themes/{theme.slug}/image/") for url in links)
    assert any(url.endswith(f"/files/themes/{theme.slug}/instant/") for url in links)
    download = page.locator("a[download]", has_text="Download theme-")
    assert download.get_attribute("href").endswith(f"/gallery/theme/{theme.pk}/files/network/")
    assert page.locator("p.file-upload a").get_attribute("href") \
        == f"/files/themes/{theme.slug}/image/"
    screenshot("admin-1-theme")
    page.set_viewport_size(PHONE)
    screenshot("admin-2-theme-phone")
    page.set_viewport_size(DESKTOP)


def test_the_painting_page_shows_its_files_through_checked_views(
        page, live_server, painted_job, sam, screenshot, no_outside_requests):
    sign_in(page, live_server, sam)
    page.goto(f"{live_server.url}/admin/gallery/job/{painted_job.pk}/change/")
    links = _check_files(page)
    for field in ("result", "raw_result", "preview", "regions", "state"):
        assert any(url.endswith(f"/gallery/job/{painted_job.pk}/files/{field}/") for url in links)
    screenshot("admin-3-job")
    page.set_viewport_size(PHONE)
    screenshot("admin-4-job-phone")
    page.goto(f"{live_server.url}/admin/gallery/photo/{painted_job.photo.pk}/change/")
    _check_files(page)
    screenshot("admin-5-photo-phone")


def test_the_training_form_sums_up_its_errors_on_top(page, live_server, installed_themes, sam,
                                                     screenshot, no_outside_requests):
    sign_in(page, live_server, sam)
    page.goto(f"{live_server.url}/themes/starry-night/train/")
    page.fill("input[name=steps]", "0")
    page.click("button:has-text('Start training')")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    link = page.locator("[data-error-summary] a", has_text="Steps")
    assert link.get_attribute("href") == "#field-steps"
    screenshot("admin-6-training-errors")
    page.set_viewport_size(PHONE)
    screenshot("admin-7-training-errors-phone")
    link.click()
    page.wait_for_function("() => document.activeElement.name === 'steps'")
