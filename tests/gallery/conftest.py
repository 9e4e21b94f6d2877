"""Gallery clients and objects: alice owns, bob is another user (both in tests/conftest.py), anonymous
has nothing."""
import pytest
from django.core.files.base import ContentFile
from django.test import Client

from gallery import services
from gallery.models import Job, Snapshot, Theme
from gallery_helpers import image_bytes, upload


@pytest.fixture
def alice_client(alice):
    c = Client()
    c.force_login(alice)
    return c


@pytest.fixture
def bob_client(bob):
    c = Client()
    c.force_login(bob)
    return c


@pytest.fixture
def anon_client():
    return Client()


def _theme(slug, title, artist, color, **extra):
    theme = Theme(slug=slug, title=title, artist=artist, year="1900", licence="Public domain", **extra)
    return services.theme_set_image(theme=theme, upload=upload(f"{slug}.jpg", image_bytes(color=color)))


@pytest.fixture
def starry(db):
    return _theme("starry-night", "The Starry Night", "Vincent van Gogh", (20, 40, 120))


@pytest.fixture
def scream(db):
    return _theme("the-scream", "The Scream", "Edvard Munch", (230, 120, 30))


@pytest.fixture
def photo(alice):
    return services.photo_create(owner=alice, upload=upload("alice.jpg"))


@pytest.fixture
def bob_photo(bob):
    return services.photo_create(owner=bob, upload=upload("bob.jpg"))


@pytest.fixture
def job(alice, photo, starry):
    return services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={"iterations": 10})


@pytest.fixture
def finished_job(job):
    """alice's job as the worker leaves it: a result and one snapshot."""
    job.result.save("result.png", ContentFile(image_bytes("PNG")), save=False)
    job.status = Job.Status.SUCCEEDED
    job.iteration = job.total
    job.save()
    snap = Snapshot(job=job, iteration=5, losses={"total": 1.0})
    snap.image.save("snap.jpg", ContentFile(image_bytes()), save=True)
    return job
