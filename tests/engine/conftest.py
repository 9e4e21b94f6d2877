"""Engine fixtures: small real images and parameters for the real VGG16 weights."""
import pytest

from engine.images import load_image
from engine.params import StyleParams


@pytest.fixture(scope="session")
def content(tubingen):
    return load_image(tubingen, max_side=96)


@pytest.fixture(scope="session")
def style(starry_night):
    return load_image(starry_night, max_side=96)


@pytest.fixture(scope="session")
def scream(the_scream):
    return load_image(the_scream, max_side=96)


@pytest.fixture(scope="session")
def params(vgg16_weights):
    """A tiny, fast run on the real weights; tests change what they need with `.replace()`."""
    return StyleParams(size=48, iterations=6, backbone="vgg16", weights=str(vgg16_weights),
                       device="cpu", seed=0)


@pytest.fixture(scope="session")
def random_params():
    """Random weights: only for plumbing, never for a claim about the picture."""
    return StyleParams(size=32, iterations=3, backbone="vgg16", weights="random", device="cpu",
                       seed=0)
