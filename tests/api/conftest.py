"""API personas and objects: alice owns, bob is another user (both in tests/conftest.py), staff
manages themes, anonymous has nothing. Every client authenticates with its user's token."""
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api_helpers import finish, image_upload, token_client
from gallery import services
from gallery.models import Theme
from helpers import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("stella", password=PASSWORD, is_staff=True)


@pytest.fixture
def alice_api(alice):
    return token_client(alice)


@pytest.fixture
def bob_api(bob):
    return token_client(bob)


@pytest.fixture
def staff_api(staff):
    return token_client(staff)


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def starry(db):
    theme = Theme(slug="starry-night", title="The Starry Night", artist="Vincent van Gogh", year="1889")
    return services.theme_set_image(theme=theme, upload=image_upload("starry.jpg", color=(20, 40, 120)))


@pytest.fixture
def scream(db):
    theme = Theme(slug="the-scream", title="The Scream", artist="Edvard Munch", order=1)
    return services.theme_set_image(theme=theme, upload=image_upload("scream.jpg", color=(220, 120, 30)))


@pytest.fixture
def retired(db):
    theme = Theme(slug="retired", title="Retired painting", is_active=False)
    return services.theme_set_image(theme=theme, upload=image_upload("retired.jpg"))


@pytest.fixture
def photo(alice):
    return services.photo_create(owner=alice, upload=image_upload("tubingen.jpg"))


@pytest.fixture
def bobs_photo(bob):
    return services.photo_create(owner=bob, upload=image_upload("bob.jpg", color=(1, 2, 3)))


@pytest.fixture
def job(alice, photo, starry):
    return services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)],
                               params={"size": 64, "iterations": 8, "seed": 1})


@pytest.fixture
def bobs_job(bob, bobs_photo, starry):
    return services.job_create(owner=bob, photo=bobs_photo, themes=[(starry, 1.0)], params={"seed": 2})


@pytest.fixture
def finished_job(job):
    return finish(job)
