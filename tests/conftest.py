"""Shared fixtures: where ../shared lives (skips with a reason when it is absent), the personas
alice (owns) and bob (another user), and the worker's engine settings."""
from pathlib import Path

import pytest

from helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WEIGHTS = SHARED / "weights" / "vgg16-imagenet-features.pth"
CONTENT_DIR = SHARED / "images" / "content"
STYLE_DIR = SHARED / "images" / "style"


@pytest.fixture(scope="session")
def vgg16_weights() -> Path:
    """Path of the real ImageNet VGG16 weights; skips the test when ../shared/weights is absent."""
    if not WEIGHTS.is_file():
        pytest.skip(f"real VGG16 weights not found at {WEIGHTS} (../shared/weights is absent)")
    return WEIGHTS


def _shared_image(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        pytest.skip(f"test image {path} not found (../shared/images is absent)")
    return path


@pytest.fixture(scope="session")
def tubingen() -> Path:
    return _shared_image(CONTENT_DIR, "tubingen.jpg")


@pytest.fixture(scope="session")
def chicago() -> Path:
    return _shared_image(CONTENT_DIR, "chicago.jpg")


@pytest.fixture(scope="session")
def starry_night() -> Path:
    return _shared_image(STYLE_DIR, "starry_night.jpg")


@pytest.fixture(scope="session")
def the_scream() -> Path:
    return _shared_image(STYLE_DIR, "the_scream.jpg")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Every test writes media into its own temporary folder, never into ./data."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2's million rounds cost half a second per user; the tests need no such safety."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password=PASSWORD)


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password=PASSWORD)


@pytest.fixture
def worker_settings(settings, vgg16_weights):
    """The worker's engine settings: the real VGG16 weights on the CPU."""
    settings.STYLE_WEIGHTS = str(vgg16_weights)
    settings.STYLE_BACKBONE = "vgg16"
    settings.STYLE_DEVICE = "cpu"
    return settings
