"""The home page: what the site does, with the themes' own paintings of the sample photo."""
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from gallery.services import SAMPLE_PHOTO
from gallery_helpers import image_bytes

pytestmark = pytest.mark.django_db

HOME = reverse("gallery:home")


@pytest.fixture
def starry_instant(starry):
    """The Starry Night with its instant network's painting of the sample photo."""
    starry.instant_sample.save("starry-night-instant.jpg", ContentFile(image_bytes()), save=True)
    return starry


def test_it_shows_a_visitor_what_the_site_does_and_how_to_start(anon_client, starry_instant, scream):
    response = anon_client.get(HOME)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your photos, repainted in the style of famous paintings." in html
    assert f'href="{reverse("gallery:signup")}"' in html and f'href="{reverse("login")}"' in html
    assert reverse("gallery:job-new") not in html


def test_it_shows_each_themes_painting_of_the_sample_photo_beside_the_photo(anon_client, starry_instant,
                                                                          scream):
    html = anon_client.get(HOME).content.decode()
    assert reverse("gallery:sample-photo") in html
    assert reverse("gallery:theme-instant-sample", args=["starry-night"]) in html
    assert reverse("gallery:theme-instant-sample", args=["the-scream"]) not in html  # it has none
    assert "One photo, 1 style" in html
    assert reverse("gallery:theme-thumbnail", args=["the-scream"]) in html  # the grid has every theme


def test_a_signed_in_user_gets_the_same_page_with_new_painting(alice_client, starry_instant):
    html = alice_client.get(HOME).content.decode()
    assert reverse("gallery:job-new") in html and reverse("gallery:job-list") in html
    assert 'href="/accounts/signup/"' not in html
    assert reverse("gallery:theme-instant-sample", args=["starry-night"]) in html


def test_it_works_without_any_theme(anon_client):
    html = anon_client.get(HOME).content.decode()
    assert "No themes yet" in html and "One photo" not in html


def test_the_sample_photo_is_public_and_cached(anon_client):
    response = anon_client.get(reverse("gallery:sample-photo"))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "public" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == Path(SAMPLE_PHOTO).read_bytes()
