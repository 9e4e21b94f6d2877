"""Shared fixtures: where ../shared lives, and skips with a reason when it is absent."""
from pathlib import Path

import pytest

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
def starry_night() -> Path:
    return _shared_image(STYLE_DIR, "starry_night.jpg")


@pytest.fixture(scope="session")
def the_scream() -> Path:
    return _shared_image(STYLE_DIR, "the_scream.jpg")


@pytest.fixture(autouse=True)
def _private_media_root(request, tmp_path_factory):
    """Every Django test writes media into its own temporary folder, never into ./data."""
    if "settings" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        # Tests that touch no database or settings (the engine's) need nothing here.
        try:
            import django  # noqa: F401
        except ImportError:
            return
    settings = request.getfixturevalue("settings")
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
