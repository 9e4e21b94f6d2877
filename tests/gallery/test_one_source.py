"""Each parameter is described once, in the engine (engine/param_spec.py); the form, the API
schema, the command line and the record panel are made from that description."""
from dataclasses import dataclass

import pytest
from django.urls import reverse

import engine.cli
import gallery.params
from engine.param_spec import MACHINE, THEME, USER, describe, param
from engine.params import StyleParams
from gallery.params import record, user_specs

pytestmark = pytest.mark.django_db

FORM = reverse("gallery:job-new")


@dataclass(frozen=True, kw_only=True)
class WithGlow(StyleParams):
    glow: float = param(0.25, label="Glow", help="How much the painting glows.", minimum=0,
                        maximum=1, unit="×")


def _stylize_help() -> str:
    return engine.cli.build_parser()._subparsers._group_actions[0].choices["stylize"].format_help()


def _schema(client) -> dict:
    schema = client.get("/api/v1/schema/?format=json").json()
    return schema["components"]["schemas"]["JobCreateRequest"]["properties"]


def test_a_parameter_added_to_the_description_appears_everywhere(monkeypatch, alice_client, photo):
    monkeypatch.setattr(gallery.params, "JOB_PARAMS", WithGlow)
    monkeypatch.setattr(engine.cli, "StyleParams", WithGlow)

    form = alice_client.get(FORM)
    field = form.context["form"]["glow"]
    assert field.label == "Glow" and field.value() == 0.25
    assert 'name="glow"' in form.content.decode() and 'max="1"' in str(field)

    glow = _schema(alice_client)["glow"]
    assert glow["type"] == "number" and "How much the painting glows." in glow["description"]
    assert "Must be a number from 0 to 1. Default: 0.25." in glow["description"]

    assert "--glow" in _stylize_help() and "Default: 0.25 ×" in _stylize_help()

    assert ("Glow", "0.25×") in record({"glow": 0.25, "size": 512})


def test_without_it_none_of_them_has_the_parameter(alice_client, photo):
    assert "glow" not in alice_client.get(FORM).context["form"].fields
    assert "glow" not in _schema(alice_client)
    assert "--glow" not in _stylize_help()


def test_every_parameter_a_person_chooses_is_in_the_form_the_api_and_the_command_line(
        alice_client, photo):
    form = alice_client.get(FORM).context["form"]
    schema, cli = _schema(alice_client), _stylize_help()
    for name, spec in describe(StyleParams).items():
        assert spec.flag in cli, name  # the command line sets every parameter
        if spec.set_by == USER:
            assert form[name].label == spec.label
            assert spec.help.split(" (")[0][:30] in schema[name]["description"]
        else:  # the theme rows' blend, the worker's settings
            assert spec.set_by in (THEME, MACHINE)
            assert name not in form.fields and name not in schema


def test_the_sites_caps_narrow_the_engines_limits(settings):
    settings.STYLE_MAX_SIZE, settings.STYLE_MAX_ITERATIONS = 1024, 500
    specs = user_specs()
    assert (specs["size"].maximum, specs["iterations"].maximum) == (1024, 500)
    assert describe(StyleParams)["size"].maximum == 4096  # the engine's own
    assert specs["init"].rule == "one of content, noise"  # no path on a shared server


def test_the_record_panel_says_each_value_as_its_description_does():
    shown = dict(record({"size": 1024, "preserve_colors": True, "style_layers": ["relu1_1", "relu2_1"],
                         "seed": None, "style_scale": 1.5}))
    assert shown == {"Size": "1024 px", "Style layers": "relu1_1, relu2_1", "Style scale": "1.5×",
                     "Seed": "—", "Preserve the photo's colours": "yes"}
