"""A theme's default parameters in the admin: one field each, made from the engine's
descriptions and checked like the API's; a bad value is an error next to its field, never a
stored default that breaks every new job."""
import pytest
from django.urls import reverse

from gallery import services
from gallery.models import Job, Theme
from gallery.params import user_specs

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _change(admin_client, theme, **defaults):
    data = {"title": theme.title, "slug": theme.slug, "artist": theme.artist, "year": theme.year,
            "description": "", "source": "", "licence": theme.licence, "is_active": "on",
            "order": "0", **{f"default_{k}": v for k, v in defaults.items()}}
    return admin_client.post(reverse("admin:gallery_theme_change", args=[theme.pk]), data)


def test_each_choosable_parameter_is_a_field_and_the_json_box_is_gone(admin_client, starry):
    starry.default_params = {"style_weight": 7.0, "preserve_colors": True}
    starry.save()
    page = admin_client.get(reverse("admin:gallery_theme_change", args=[starry.pk]))
    form = page.context["adminform"].form
    assert {f"default_{name}" for name in user_specs()} <= set(form.fields)
    assert "default_params" not in form.fields and "default_device" not in form.fields
    assert form["default_style_weight"].value() == 7.0
    assert form["default_preserve_colors"].value() == "true"
    assert form["default_tv_weight"].value() is None  # blank: the engine's default
    assert "default, 10." in page.content.decode()


def test_the_fields_set_become_the_themes_defaults(admin_client, starry):
    response = _change(admin_client, starry, style_weight="7", preserve_colors="true",
                       style_layers=["relu1_1", "relu2_1"], optimizer="")
    assert response.status_code == 302, response.context["adminform"].form.errors
    starry.refresh_from_db()
    assert starry.default_params == {"style_weight": 7.0, "preserve_colors": True,
                                     "style_layers": ["relu1_1", "relu2_1"]}


@pytest.mark.parametrize("name, value, message", [
    ("tv_weight", "-1", "must be a number from 0 to 1,000,000"),
    ("style_weight", "1e999", "Enter a number."),
    ("style_layers", ["relu9_9"], "relu9_9 is not one of the available choices"),
    ("iterations", "5000", "must be an integer from 1 to 1000"),
])
def test_a_bad_default_is_refused_next_to_its_field(admin_client, starry, name, value, message):
    response = _change(admin_client, starry, **{name: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[f"default_{name}"])
    starry.refresh_from_db()
    assert starry.default_params == {}


def test_a_default_stored_before_it_was_checked_does_not_break_new_jobs(alice, photo, starry):
    Theme.objects.filter(pk=starry.pk).update(default_params=["style_weight", 7])  # old admin box
    starry.refresh_from_db()
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
    assert Job.objects.get(pk=job.pk).params["style_weight"] == 14.0


def test_the_api_refuses_the_same_bad_defaults(starry):
    from django.core.exceptions import ValidationError

    for bad in (["style_weight", 7], {"device": "cuda"}, {"tv_weight": -1}):
        with pytest.raises(ValidationError):
            services.check_theme_defaults(bad)
