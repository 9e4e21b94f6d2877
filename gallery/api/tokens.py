"""A user's API token: one per user (rest_framework.authtoken), created, replaced or revoked here.

A new password revokes the token (`revoke_on_new_password`): whoever learned the old password
may have taken the token with it.
"""
from django.conf import settings
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
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


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="revoke-token-on-new-password")
def revoke_on_new_password(sender, instance, raw=False, update_fields=None, **kwargs):
    """Every way a password changes (the password page, a reset, the admin, `changepassword`)
    saves the user with a new hash: its token goes in the same transaction."""
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
