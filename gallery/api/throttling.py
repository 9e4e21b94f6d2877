"""Throttles whose rates are read from settings at request time.

DRF's own classes copy DEFAULT_THROTTLE_RATES into a class attribute when they are imported, so a
changed setting (in a test, say) would never reach them.
"""
from rest_framework import throttling
from rest_framework.settings import api_settings


class _RateFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserRateThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Per signed-in user ("user" rate); anonymous requests are keyed by IP address."""


class AnonRateThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    """Per IP address for anonymous requests ("anon" rate): logging in, mostly."""


class JobCreateThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """A stricter per-user rate for starting jobs: each one occupies the worker for minutes."""

    scope = "job_create"
