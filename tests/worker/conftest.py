"""Worker fixtures: tiny jobs (64 px, 6 iterations, a snapshot every 2) on the real VGG16 weights
(`worker_settings`, with alice and bob, in tests/conftest.py)."""
import pytest

from gallery import services
from gallery.models import Theme
from helpers import shrunk_upload

TINY = {"size": 64, "iterations": 6, "snapshot_every": 2, "seed": 7}


@pytest.fixture
def photo(alice, tubingen):
    return services.photo_create(owner=alice, upload=shrunk_upload(tubingen, "tubingen.jpg"))


@pytest.fixture
def starry(db, starry_night):
    theme = Theme(slug="starry-night", title="The Starry Night", artist="Vincent van Gogh")
    return services.theme_set_image(theme=theme, upload=shrunk_upload(starry_night, "starry.jpg", 192))


@pytest.fixture
def scream_theme(db, the_scream):
    theme = Theme(slug="the-scream", title="The Scream", artist="Edvard Munch")
    return services.theme_set_image(theme=theme, upload=shrunk_upload(the_scream, "scream.jpg", 192))


@pytest.fixture
def make_job(worker_settings, alice, photo, starry):
    """make_job(**params) -> a queued job of alice's photo after The Starry Night (or of
    `owner`'s `owner_photo`)."""

    def make(themes=None, owner=None, owner_photo=None, **params):
        return services.job_create(
            owner=owner or alice,
            photo=owner_photo or photo,
            themes=themes or [(starry, 1.0)],
            params={**TINY, **params},
        )

    return make



@pytest.fixture(scope="session")
def tiny_network(vgg16_weights, starry_night, tubingen) -> bytes:
    """A real instant network file: trained by engine.train for a few steps at 32 px."""
    from engine.images import load_image
    from engine.network import network_bytes
    from engine.params import TrainParams
    from engine.training import train

    params = TrainParams(size=32, steps=2, batch=1, width=8, blocks=1, backbone="vgg16",
                         weights=str(vgg16_weights), device="cpu", seed=1)
    steps = list(train([load_image(starry_night, max_side=64)],
                       [load_image(tubingen, max_side=64)], params, style_names=["starry_night"]))
    return network_bytes(steps[-1].network)


@pytest.fixture
def instant_starry(starry, tiny_network):
    """The Starry Night theme with an instant network."""
    return services.theme_set_network(theme=starry, network=tiny_network)
