"""Strict readers for settings from environment variables: a bad value is an error, not a guess."""
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int, *, minimum: int | None = None,
           maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {value}")
    return value


def envvalue(name: str, default: str, *, valid, expected: str) -> str:
    """One value that passes `valid`."""
    value = os.environ.get(name, default).strip()
    if not valid(value):
        raise ImproperlyConfigured(f"{name} must be {expected}, not {value!r}")
    return value


def envchoice(name: str, default: str, choices) -> str:
    return envvalue(name, default, valid=choices.__contains__,
                    expected=f"one of {', '.join(choices)}")


def envvalues(name: str, default: str, *, valid, expected: str) -> list[str]:
    """A comma-separated list whose every item passes `valid`."""
    values = envlist(name, default)
    bad = [v for v in values if not valid(v)]
    if bad:
        raise ImproperlyConfigured(f"{name} must be {expected}, not {', '.join(map(repr, bad))}")
    return values


def envfile(name: str) -> str | None:
    """The path of an existing file, or None when unset."""
    value = os.environ.get(name, "").strip()
    if value and not os.path.isfile(value):
        raise ImproperlyConfigured(f"{name} must be the path of a file; {value!r} is not one")
    return value or None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def is_mail_address(value: str) -> bool:
    """An e-mail address, bare or with a name ("Style Gallery <noreply@example.com>")."""
    from email.utils import parseaddr

    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    name, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        return False
    return value.strip() in (address, f"{name} <{address}>", f'"{name}" <{address}>')


def is_site_url(value: str) -> bool:
    """An http:// or https:// address with a host and nothing after its path."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return "?" not in value and "#" not in value
