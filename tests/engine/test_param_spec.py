"""Each parameter's description: its kind from the field's type, its limits in words, and the
check that engine.params.validate runs for every field."""
import dataclasses

import pytest

from engine.param_spec import MACHINE, THEME, USER, describe
from engine.params import ParamError, StyleParams, TrainParams


@pytest.mark.parametrize("cls", [StyleParams, TrainParams])
def test_every_field_is_described_with_a_label_and_a_kind(cls):
    specs = describe(cls)
    assert list(specs) == [f.name for f in dataclasses.fields(cls)]
    for name, spec in specs.items():
        assert spec.label and spec.kind and spec.set_by in (USER, THEME, MACHINE), name
        assert spec.allows(spec.default), name  # the default is a valid value


def test_kinds_come_from_the_types():
    specs = describe(StyleParams)
    kinds = {name: specs[name].kind for name in (
        "size", "tolerance", "multi_scale", "optimizer", "init", "content_layers", "scales",
        "style_blend_weights", "weights")}
    assert kinds == {"size": "int", "tolerance": "float", "multi_scale": "bool",
                     "optimizer": "choice", "init": "choice", "content_layers": "layers",
                     "scales": "sizes", "style_blend_weights": "numbers", "weights": "text"}
    assert specs["seed"].optional and not specs["size"].optional


@pytest.mark.parametrize("name, rule", [
    ("size", "an integer from 16 to 4096"),
    ("iterations", "an integer from 1 to 100,000"),
    ("tolerance", "in [0, 1)"),
    ("learning_rate", "in (0, 1]"),
    ("snapshot_every", "an integer >= 0"),
    ("optimizer", "one of lbfgs, adam"),
    ("init", "content, noise or an image path"),
])
def test_the_limits_are_said_in_words(name, rule):
    assert describe(StyleParams)[name].rule == rule


@pytest.mark.parametrize("name, value", [
    ("size", 15), ("size", 4097), ("size", 512.0), ("size", True), ("tolerance", 1.0),
    ("learning_rate", 0.0), ("style_weight", float("nan")), ("scales", (8, 256)),
    ("optimizer", "sgd"), ("multi_scale", 1), ("seed", -1), ("weights", ""),
])
def test_a_value_outside_its_description_is_refused_with_its_rule(name, value):
    with pytest.raises(ParamError) as caught:
        StyleParams(**{name: value})
    assert str(caught.value) == f"{name}: must be {describe(StyleParams)[name].rule}"


def test_who_sets_what():
    specs = describe(StyleParams)
    assert {n for n, s in specs.items() if s.set_by == MACHINE} == {"backbone", "weights", "device"}
    assert {n for n, s in specs.items() if s.set_by == THEME} == {"style_blend_weights"}
