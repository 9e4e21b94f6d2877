"""StyleParams rejects what the engine cannot use, naming the parameter."""
import pytest

from engine import LAYER_NAMES, ParamError, StyleParams
from engine.schedule import check_sizes


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


@pytest.mark.parametrize("name", ["content_weight", "style_weight", "tv_weight"])
@pytest.mark.parametrize("value", [-1.0, 1e308, float("inf"), float("nan"), 1e6 + 1])
def test_it_rejects_a_loss_weight_out_of_range(name, value):
    with pytest.raises(ParamError, match=f"{name}: must be a number from 0 to 1,000,000"):
        StyleParams(**{name: value})


@pytest.mark.parametrize("changes", [
    {"style_blend_weights": (1e308, 1e308)}, {"style_layer_weight_exp": 1e308},
    {"learning_rate": 1e308}, {"epsilon": float("inf")}, {"tolerance": float("nan")},
])
def test_it_rejects_numbers_that_would_make_the_losses_infinite(changes):
    with pytest.raises(ParamError, match=next(iter(changes))):
        StyleParams(**changes)


def test_its_defaults_are_valid_and_round_trip_through_a_dict():
    p = StyleParams()
    assert StyleParams.from_dict(p.to_dict()) == p


@pytest.mark.parametrize("photo, changes, name, message", [
    ((400, 300), {"size": 16}, "size", "at 16 px the picture is 16x12 px"),
    ((400, 300), {"size": 512, "scales": (16,)}, "scales", "at 16 px the picture is 16x12 px"),
    ((4000, 2), {}, "scales", "at 128 px the picture is 128x1 px"),
    ((4000, 2), {"multi_scale": False}, "size", "at 512 px the picture is 512x1 px"),
])
def test_a_picture_too_thin_for_the_network_is_refused_without_torch(photo, changes, name, message):
    with pytest.raises(ParamError, match=message) as caught:
        check_sizes(photo, StyleParams(**changes))
    assert caught.value.name == name and "needs at least 16 px on each side" in str(caught.value)


def test_a_thin_picture_passes_when_only_shallow_layers_are_used():
    shallow = StyleParams(size=64, multi_scale=False, content_layers=("relu2_1",),
                          style_layers=("relu1_1", "relu2_1"))
    check_sizes((400, 30), shallow)  # 64x5: relu2_1 needs 2 px
    with pytest.raises(ParamError):
        check_sizes((400, 30), shallow.replace(style_layers=("relu4_1",)))
