"""POST /api/v1/auth/token/ (log in), DELETE (revoke), how anonymous requests are answered, and the
account page where a user creates or revokes their token."""
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from helpers import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"


def test_it_returns_a_token_for_username_and_password(anon_api, alice):
    r = anon_api.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
    assert r.status_code == 200
    assert r.json() == {"token": Token.objects.get(user=alice).key}


def test_it_returns_the_same_token_when_logging_in_twice(anon_api, alice):
    first = anon_api.post(URL, {"username": "alice", "password": PASSWORD}).json()["token"]
    assert anon_api.post(URL, {"username": "alice", "password": PASSWORD}).json()["token"] == first


def test_it_accepts_the_token_in_the_authorization_header(anon_api, alice):
    token = anon_api.post(URL, {"username": "alice", "password": PASSWORD}).json()["token"]
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_api.get("/api/v1/photos/").status_code == 200


def test_it_rejects_a_wrong_password_with_a_json_error(anon_api, alice):
    r = anon_api.post(URL, {"username": "alice", "password": "nope"}, format="json")
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not Token.objects.exists()


def test_it_names_the_missing_fields(anon_api):
    r = anon_api.post(URL, {}, format="json")
    assert r.status_code == 400
    assert set(r.json()) == {"username", "password"}


def test_it_logs_in_even_with_a_session_cookie_and_no_csrf_token(alice, bob):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(bob)
    r = browser.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
    assert r.status_code == 200


def test_delete_revokes_the_token(alice_api, alice):
    assert alice_api.delete(URL).status_code == 204
    assert not Token.objects.filter(user=alice).exists()
    assert alice_api.get("/api/v1/photos/").status_code == 401


def test_delete_revokes_only_my_token(alice_api, bob_api, bob):
    alice_api.delete(URL)
    assert bob_api.get("/api/v1/photos/").status_code == 200


def test_it_returns_401_for_anonymous_delete(anon_api):
    assert anon_api.delete(URL).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/themes/", "/api/v1/photos/", "/api/v1/jobs/"])
def test_it_returns_401_with_www_authenticate_for_anonymous(anon_api, path):
    r = anon_api.get(path)
    assert r.status_code == 401
    assert r["WWW-Authenticate"] == "Token"
    assert r.json() == {"detail": "Authentication credentials were not provided."}


def test_it_returns_401_for_a_bad_token(anon_api):
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anon_api.get("/api/v1/photos/").status_code == 401


def test_it_accepts_a_session(client, alice):
    client.force_login(alice)
    assert client.get("/api/v1/photos/").status_code == 200


# --- the account page -------------------------------------------------------------------------

PAGE = reverse("gallery:api-token")


def test_the_token_page_redirects_anonymous_to_log_in(client):
    r = client.get(PAGE)
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("login"))


def test_the_token_page_shows_my_token(client, alice):
    token = Token.objects.create(user=alice)
    client.force_login(alice)
    r = client.get(PAGE)
    assert r.status_code == 200
    assert token.key in r.content.decode()


def test_the_token_page_offers_to_create_one(client, alice):
    client.force_login(alice)
    r = client.get(PAGE)
    assert r.status_code == 200
    assert "Create a token" in r.content.decode()


def test_the_token_page_creates_a_new_token_and_the_old_one_stops_working(client, alice, alice_api):
    old = Token.objects.get(user=alice).key
    client.force_login(alice)
    r = client.post(PAGE, {"action": "create"})
    assert r.status_code == 302
    new = Token.objects.get(user=alice).key
    assert new != old
    assert alice_api.get("/api/v1/photos/").status_code == 401
    assert new in client.get(PAGE).content.decode()


def test_the_token_page_revokes_my_token(client, alice, bob):
    Token.objects.create(user=alice)
    bobs = Token.objects.create(user=bob)
    client.force_login(alice)
    client.post(PAGE, {"action": "revoke"})
    assert not Token.objects.filter(user=alice).exists()
    assert Token.objects.filter(pk=bobs.pk).exists()


def test_the_footer_links_to_the_api_page_and_docs(client, alice):
    client.force_login(alice)
    html = client.get(PAGE).content.decode()
    assert f'href="{PAGE}"' in html
    assert 'href="/api/v1/docs/"' in html
