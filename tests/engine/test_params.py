"""StyleParams rejects what the engine cannot use, naming the parameter."""
import pytest

from engine import LAYER_NAMES, ParamError, StyleParams


def test_it_rejects_an_unknown_layer():
    with pytest.raises(ParamError, match="style_layers: unknown layer relu9_1 for vgg19"):
        StyleParams(style_layers=("relu1_1", "relu9_1"))


def test_it_rejects_a_layer_vgg16_does_not_have():
    assert "relu5_4" in LAYER_NAMES["vgg19"]
    with pytest.raises(ParamError, match="content_layers: unknown layer relu5_4 for vgg16"):
        StyleParams(backbone="vgg16", content_layers=("relu5_4",))


@pytest.mark.parametrize("iterations", [-1, 0, 2.5])
def test_it_rejects_iterations_that_are_not_a_positive_integer(iterations):
    with pytest.raises(ParamError, match="iterations"):
        StyleParams(iterations=iterations)


def test_it_rejects_a_negative_weight():
    with pytest.raises(ParamError, match="style_weight: must be a number >= 0"):
        StyleParams(style_weight=-1.0)


def test_its_defaults_are_valid_and_round_trip_through_a_dict():
    p = StyleParams()
    assert StyleParams.from_dict(p.to_dict()) == p
