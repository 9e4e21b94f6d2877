"""A user's API token: one per user (rest_framework.authtoken), created, replaced or revoked here."""
from django.db import transaction
from rest_framework.authtoken.models import Token


def token_get_or_create(*, user) -> Token:
    """The user's token, created on first use (logging in through the API twice gives the same one)."""
    return Token.objects.get_or_create(user=user)[0]


def token_regenerate(*, user) -> Token:
    """A new token for the user; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    """Delete the user's token; True when there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0
