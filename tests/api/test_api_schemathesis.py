"""Schemathesis against the served schema: generated requests for every operation, sent to the
Django WSGI app with a staff token (so theme writes are exercised too). No answer may be a server
error or break the schema. Bounded: a few examples per operation, no shrinking, about 30 s."""
import hypothesis
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
import schemathesis
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api_helpers import finish, image_upload
from gallery import services
from gallery.models import Theme

CONFIG = {
    "generation": {"max-examples": 15, "no-shrink": True, "deterministic": True},
    "phases": {"stateful": {"enabled": False}},
}


@pytest.fixture
def _keep_the_test_connection():
    """Calling the WSGI app directly (not through Django's test client) would close the database
    connection after each request, and the test's transaction with it; the test client avoids
    that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    conf = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**conf, "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None, "job_create": None}}


@pytest.fixture
def world(django_user_model):
    """A staff user with a theme, a photo and a finished job, so that some ids exist."""
    user = django_user_model.objects.create_user("stella", password="x", is_staff=True)
    theme = services.theme_set_image(theme=Theme(slug="starry-night", title="Starry"), upload=image_upload())
    photo = services.photo_create(owner=user, upload=image_upload())
    finish(services.job_create(owner=user, photo=photo, themes=[(theme, 1.0)], params={"size": 64}))
    return user


def _load_schema():
    from stylesite.wsgi import application

    # Loaded at collection, straight from the running app: serving the schema needs no database.
    # (schemathesis.pytest.from_fixture would load it per test, but it does not work on pytest 9.)
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", application, config=schemathesis.Config.from_dict(CONFIG)
    )


schema = _load_schema()


@pytest.mark.django_db
@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_the_api_keeps_its_schema(case, world, _keep_the_test_connection):
    token = Token.objects.get_or_create(user=world)[0]  # DELETE /auth/token/ may have revoked it
    case.call_and_validate(
        headers={"Authorization": f"Token {token.key}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )
