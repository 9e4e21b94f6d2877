"""Training an instant network from the browser: staff open the theme in the admin, choose the
steps on the training form, and watch the live page (progress, loss curve, sample strip) until
the theme is instant. The run trains in a thread of this process, as a qcluster worker would.
Screenshots go to test-output/e2e/training-*.png."""
import re
import threading

import pytest
from django.db import connection

from gallery import tasks
from gallery.models import Theme, TrainingRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

PASSWORD = "instant-brushwork-7"


@pytest.fixture
def training_thread(worker_settings, monkeypatch, settings, tmp_path, tubingen, chicago):
    from engine.images import load_image

    folder = tmp_path / "training-photos"
    folder.mkdir()
    for path in (tubingen, chicago):
        load_image(path, max_side=96).save(folder / f"{path.stem}.png")
    settings.STYLE_TRAINING_PHOTOS = folder
    threads = []

    def work(run_id):
        try:
            tasks.run_training(run_id)
        finally:
            connection.close()

    def enqueue(run_id):
        thread = threading.Thread(target=work, args=(run_id,), daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(tasks, "enqueue_training", enqueue)
    yield threads
    for thread in threads:
        thread.join(timeout=120)


def test_staff_train_a_theme_and_watch_it_learn(page, live_server, installed_themes,
                                                training_thread, django_user_model, screenshot):
    django_user_model.objects.create_superuser("sam", password=PASSWORD)
    wave = Theme.objects.get(slug="wave")
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/gallery/theme/{wave.pk}/change/")
    page.click("text=Train a new instant network…")
    page.wait_for_url(re.compile(r"/themes/wave/train/$"))
    page.fill("input[name=steps]", "12")
    page.fill("input[name=size]", "48")
    page.fill("input[name=batch]", "1")
    screenshot("training-1-form")
    page.click("button:has-text('Start training')")
    page.wait_for_url(re.compile(r"/training/\d+/$"))
    page.evaluate("window.__sameDocument = true")
    run = TrainingRun.objects.get()
    page.wait_for_function("() => document.getElementById('job').dataset.status === 'succeeded'"
                           " || document.getElementById('job').dataset.status === 'failed'",
                           timeout=180_000)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert page.evaluate("window.__sameDocument === true")  # live, never reloaded
    assert not errors
    assert page.locator(".snapshot-strip li").count() == run.samples.count() >= 1
    assert page.locator(".loss-chart polyline").count() == 1
    assert page.locator("[data-bind=percent]").inner_text() == "100%"
    page.wait_for_function("() => document.querySelector('img[data-bind=result]').naturalWidth > 0")
    wave.refresh_from_db()
    assert wave.network_record["trained_steps"] == 12
    screenshot("training-2-done")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("training-3-done-phone")
