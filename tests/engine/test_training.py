"""`train()` on the real VGG16 weights at tiny sizes: one step lowers the loss, the records'
contract, resuming continues the same loss curve, the same seed gives the same network, bad input."""
import pytest
import torch
from PIL import Image

from engine import ParamError
from engine.images import load_image
from engine.network import read_network_file, save_network
from engine.params import TrainParams
from engine.training import load_photos, train


@pytest.fixture(scope="session")
def photos(tubingen, chicago):
    """Two real photographs, small: fast to crop."""
    return [load_image(tubingen, max_side=96), load_image(chicago, max_side=96)]


@pytest.fixture(scope="session")
def tparams(vgg16_weights):
    return TrainParams(size=32, steps=4, batch=2, backbone="vgg16", weights=str(vgg16_weights),
                       device="cpu", seed=3, sample_every=2, checkpoint_every=2)


def run(style, photos, params, **kwargs):
    return list(train([style], photos, params, **kwargs))


def state(network_dict):
    return network_dict["state_dict"]


def test_training_lowers_the_loss_on_a_fixed_batch(style, photos, tparams):
    # One photo of the crop's size, mirror-symmetric: every crop is the whole picture and a
    # flip changes nothing, so every step sees the same batch, and step n's loss is the loss of
    # that batch after n - 1 updates.
    half = photos[0].resize((16, 32))
    photo = Image.new("RGB", (32, 32))
    photo.paste(half, (0, 0))
    photo.paste(half.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (16, 0))
    steps = run(style, [photo], tparams.replace(steps=6, batch=1, learning_rate=3e-4))
    totals = [s.losses["total"] for s in steps]
    assert all(b < a for a, b in zip(totals, totals[1:]))  # every step lowers it
    assert totals[-1] < 0.8 * totals[0]


def test_the_records_contract(style, photos, tparams):
    steps = run(style, photos, tparams.replace(steps=5))
    assert [s.step for s in steps] == [1, 2, 3, 4, 5] and all(s.total == 5 for s in steps)
    assert [s.step for s in steps if s.sample is not None] == [2, 4, 5]
    assert [s.step for s in steps if s.checkpoint is not None] == [2, 4, 5]
    assert [s.step for s in steps if s.network is not None] == [5]
    assert steps[-1].is_last and steps[-1].remaining == 0
    assert steps[1].remaining > steps[3].remaining > 0  # remaining time falls
    assert all(set(s.losses) == {"content", "style", "tv", "total"} for s in steps)
    assert steps[1].sample.size == (32, 32)
    record = steps[-1].network["record"]
    assert record["styles"] == ["style 1"] and record["backbone"] == "vgg16"
    assert record["size"] == 32 and record["trained_steps"] == 5 and record["seed"] == 3
    assert record["training_set"]["photos"] == 2 and record["engine_version"]
    assert record["losses"] == steps[-1].losses
    # The finished network is half precision; a checkpoint keeps float32 and Adam's state.
    assert all(v.dtype == torch.float16 for v in state(steps[-1].network).values())
    assert all(v.dtype == torch.float32 for v in state(steps[1].checkpoint).values())
    assert steps[1].checkpoint["step"] == 2 and steps[1].checkpoint["optimizer"]["state"]


def test_the_same_seed_gives_the_same_network_and_another_seed_another(style, photos, tparams):
    a = run(style, photos, tparams)[-1].checkpoint
    b = run(style, photos, tparams)[-1].checkpoint
    c = run(style, photos, tparams.replace(seed=4))[-1].checkpoint
    assert all(torch.equal(state(a)[k], state(b)[k]) for k in state(a))
    assert not all(torch.equal(state(a)[k], state(c)[k]) for k in state(a))


def test_resuming_from_a_saved_checkpoint_continues_the_same_loss_curve(
        style, photos, tparams, tmp_path):
    whole = run(style, photos, tparams.replace(steps=6))
    path = save_network(whole[1].checkpoint, tmp_path / "net.pt.ckpt")  # after step 2
    resumed = run(style, photos, tparams.replace(steps=6), resume=read_network_file(path))
    assert [s.step for s in resumed] == [3, 4, 5, 6]
    for a, b in zip(whole[2:], resumed):
        assert a.losses["total"] == pytest.approx(b.losses["total"], rel=1e-5)
    end_a, end_b = state(whole[-1].checkpoint), state(resumed[-1].checkpoint)
    assert all(torch.allclose(end_a[k], end_b[k], atol=1e-6) for k in end_a)
    # Without Adam's moments the curve would differ: restoring them is what makes it the same.
    fresh = dict(read_network_file(path))
    fresh["optimizer"] = {"state": {}, "param_groups": fresh["optimizer"]["param_groups"]}
    restarted = run(style, photos, tparams.replace(steps=6), resume=fresh)
    assert restarted[0].losses["total"] == pytest.approx(resumed[0].losses["total"], rel=1e-5)
    assert restarted[-1].losses["total"] != pytest.approx(resumed[-1].losses["total"], rel=1e-5)


def test_resuming_with_other_parameters_is_refused(style, photos, tparams):
    checkpoint = run(style, photos, tparams)[1].checkpoint
    with pytest.raises(ParamError, match="style_weight"):
        train([style], photos, tparams.replace(style_weight=9.0), resume=checkpoint)
    with pytest.raises(ParamError, match="not a training checkpoint"):
        train([style], photos, tparams, resume=run(style, photos, tparams)[-1].network)


def test_blended_styles_are_recorded(style, scream, photos, tparams):
    steps = list(train([style, scream], photos, tparams.replace(steps=1, style_blend_weights=(3, 1)),
                       style_names=["starry_night", "the_scream"]))
    record = steps[-1].network["record"]
    assert record["styles"] == ["starry_night", "the_scream"]
    assert record["style_blend_weights"] == [3, 1]


@pytest.mark.parametrize("change, name", [
    ({"size": 8}, "size"), ({"steps": 0}, "steps"), ({"batch": 0}, "batch"),
    ({"learning_rate": float("inf")}, "learning_rate"), ({"style_weight": -1}, "style_weight"),
    ({"width": 2}, "width"), ({"style_layers": ("relu9_1",)}, "style_layers"),
])
def test_bad_parameters_name_themselves(tparams, change, name):
    with pytest.raises(ParamError) as error:
        tparams.replace(**change)
    assert error.value.name == name


def test_bad_arguments_are_refused_at_the_call(style, photos, tparams):
    with pytest.raises(ParamError, match="styles"):
        train([], photos, tparams)
    with pytest.raises(ParamError, match="photos"):
        train([style], [], tparams)
    with pytest.raises(ParamError, match="too small"):
        train([style], [photos[0].resize((20, 20))], tparams)
    with pytest.raises(ParamError, match="one weight per style"):
        train([style], photos, tparams.replace(style_blend_weights=(1, 2)))


def test_a_folder_without_usable_photos_is_a_clear_error(tmp_path):
    from engine import EngineError

    (tmp_path / "notes.txt").write_text("not a photo")
    with pytest.raises(EngineError, match="has no photo we can read"):
        load_photos(tmp_path)
    with pytest.raises(EngineError, match="does not exist"):
        load_photos(tmp_path / "missing")
