"""Worker fixtures: tiny jobs (64 px, 6 iterations, a snapshot every 2) on the real VGG16 weights."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gallery import services
from gallery.models import Theme

TINY = {"size": 64, "iterations": 6, "snapshot_every": 2, "seed": 7}


def _upload(path, name: str, px: int = 160) -> SimpleUploadedFile:
    """The shared image shrunk to `px` (faster to decode), as a browser would upload it."""
    img = Image.open(path).convert("RGB")
    img.thumbnail((px, px))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=92)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def worker_settings(settings, vgg16_weights):
    """The worker's engine settings: the real VGG16 weights on the CPU."""
    settings.STYLE_WEIGHTS = str(vgg16_weights)
    settings.STYLE_BACKBONE = "vgg16"
    settings.STYLE_DEVICE = "cpu"
    return settings


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="correct horse battery")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="correct horse battery")


@pytest.fixture
def photo(alice, tubingen):
    return services.photo_create(owner=alice, upload=_upload(tubingen, "tubingen.jpg"))


@pytest.fixture
def starry(starry_night):
    theme = Theme(slug="starry_night", title="The Starry Night", artist="Vincent van Gogh")
    return services.theme_set_image(theme=theme, upload=_upload(starry_night, "starry.jpg", 192))


@pytest.fixture
def scream_theme(the_scream):
    theme = Theme(slug="the_scream", title="The Scream", artist="Edvard Munch")
    return services.theme_set_image(theme=theme, upload=_upload(the_scream, "scream.jpg", 192))


@pytest.fixture
def make_job(worker_settings, alice, photo, starry):
    """make_job(**params) -> a queued job of alice's photo after The Starry Night."""

    def make(themes=None, owner=None, **params):
        return services.job_create(
            owner=owner or alice,
            photo=photo,
            themes=themes or [(starry, 1.0)],
            params={**TINY, **params},
        )

    return make

