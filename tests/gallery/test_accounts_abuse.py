"""Attacks on accounts (issue 11): a flood of wrong passwords locks the log-in (django-axes),
sign-ups are throttled per address (django-ratelimit), and a new password revokes the API token."""
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from helpers import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # the sign-up rate and the API throttles count in the cache
    yield
    cache.clear()


def test_a_flood_of_wrong_passwords_locks_the_log_in_even_for_the_right_one(alice, settings):
    client = Client()
    answers = [client.post(LOGIN, {"username": "alice", "password": f"guess-{i}"}).status_code
               for i in range(60)]
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[:limit - 1] == [200] * (limit - 1)  # the form again, "wrong password"
    assert set(answers[limit:]) == {429}
    locked = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_for_that_account_from_that_address_only(alice, bob):
    attacker = Client(REMOTE_ADDR="10.0.0.66")
    for i in range(10):
        attacker.post(LOGIN, {"username": "alice", "password": f"guess-{i}"})
    assert Client(REMOTE_ADDR="10.0.0.7").post(
        LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302
    assert attacker.post(LOGIN, {"username": "bob", "password": PASSWORD}).status_code == 302


def test_the_api_token_endpoint_locks_out_too_with_a_429(alice, settings):
    api = APIClient()
    url = "/api/v1/auth/token/"
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post(url, {"username": "alice", "password": f"x{i}"}).status_code == 400
    assert api.post(url, {"username": "alice", "password": "last guess"}).status_code == 429
    response = api.post(url, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many wrong passwords" in response.json()["detail"]
    assert not Token.objects.filter(user=alice).exists()


def test_sign_ups_are_throttled_per_address(settings):
    settings.STYLE_SIGNUP_RATE = "3/h"
    client = Client(REMOTE_ADDR="10.0.0.9")
    url = reverse("gallery:signup")
    codes = []
    for i in range(5):
        client.logout()
        codes.append(client.post(url, {"username": f"spam{i}", "password1": PASSWORD,
                                       "password2": PASSWORD}).status_code)
    assert codes == [302, 302, 302, 429, 429]
    assert get_user_model().objects.filter(username__startswith="spam").count() == 3
    refused = client.post(url, {"username": "spam9", "password1": PASSWORD, "password2": PASSWORD})
    assert "Too many accounts" in refused.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.10")
    assert other.post(url, {"username": "honest", "password1": PASSWORD,
                            "password2": PASSWORD}).status_code == 302


def test_changing_the_password_revokes_the_api_token(alice):
    key = Token.objects.create(user=alice).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/jobs/").status_code == 200
    client = Client()
    client.force_login(alice)
    changed = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "another-long-pass-77",
        "new_password2": "another-long-pass-77"})
    assert changed.status_code == 302
    assert not Token.objects.filter(user=alice).exists()
    assert api.get("/api/v1/jobs/").status_code == 401


def test_saving_a_user_without_a_new_password_keeps_the_token(alice):
    Token.objects.create(user=alice)
    alice.first_name = "Alice"
    alice.save()
    alice.save(update_fields=["first_name"])
    assert Token.objects.filter(user=alice).exists()
    alice.set_password("a-new-long-password-1")
    alice.save()
    assert not Token.objects.filter(user=alice).exists()
