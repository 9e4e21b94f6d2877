"""Regions per style (Gatys et al. 2017, masked Gram matrices): the masks' checks and plumbing on
random weights, the real backbone painting each half of a photo in its own style, and the
command line's --style-masks."""
import math

import numpy as np
import pytest
import torch
from PIL import Image

from engine import EngineError, ParamError, StyleParams, stylize
from engine.backbone import load_backbone
from engine.cli import main
from engine.images import load_image, resize_long_side, to_tensor
from engine.losses import Masked, StyleLoss, build_objective, gram
from engine.regions import check_masks, feature_weights, group_styles, load_mask
from engine.weighting import normalized, style_weights


def picture(w: int, h: int, seed: int) -> Image.Image:
    """A random RGB picture: plumbing needs no real photograph."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


@pytest.fixture(scope="module")
def photo():
    return picture(40, 30, 0)


@pytest.fixture(scope="module")
def paintings():
    return [picture(36, 36, 1), picture(30, 40, 2)]


def halves(h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    left = torch.zeros(h, w)
    left[:, : w // 2] = 1
    return left, 1 - left


def run(content, styles, params, **kwargs):
    return list(stylize(content, styles, params, **kwargs))


# --- checks -------------------------------------------------------------------------------------

def test_it_rejects_a_mask_count_that_does_not_match_the_styles(photo, paintings, random_params):
    with pytest.raises(ParamError, match=r"style_masks: needs one mask \(or none\) per style "
                                         r"image \(2\), got 1"):
        stylize(photo, paintings, random_params, style_masks=[None])


def test_it_rejects_one_mask_given_without_a_list(photo, paintings, random_params):
    with pytest.raises(ParamError, match="style_masks: must be a list"):
        stylize(photo, paintings[:1], random_params, style_masks=torch.ones(4, 4))


@pytest.mark.parametrize("value", [1.5, -0.1, math.nan, math.inf])
def test_it_rejects_mask_values_outside_zero_to_one(photo, paintings, random_params, value):
    mask = torch.ones(4, 4)
    mask[1, 2] = value
    with pytest.raises(ParamError, match="style_masks: the mask of style image 2 must hold "
                                         "values from 0 to 1"):
        stylize(photo, paintings, random_params, style_masks=[None, mask])


def test_it_rejects_a_mask_that_is_zero_everywhere(photo, paintings, random_params):
    with pytest.raises(ParamError, match="style image 1 is zero everywhere"):
        stylize(photo, paintings, random_params, style_masks=[torch.zeros(8, 8), None])
    black = Image.new("L", (8, 8), 0)
    with pytest.raises(ParamError, match="style image 1 is zero everywhere"):
        stylize(photo, paintings, random_params, style_masks=[black, None])


@pytest.mark.parametrize("mask, said", [
    (torch.ones(1, 4, 4), r"shape \(H, W\), got \(1, 4, 4\)"),
    (torch.ones(0, 4), r"shape \(H, W\), got \(0, 4\)"),
    (torch.ones(4, 4, dtype=torch.uint8), "floats from 0 to 1, not torch.uint8"),
    ("mask.png", "a tensor \\(H, W\\), an image or None, not str"),
])
def test_it_rejects_what_is_not_a_mask(photo, paintings, random_params, mask, said):
    with pytest.raises(ParamError, match=said) as error:
        stylize(photo, paintings, random_params, style_masks=[mask, None])
    assert isinstance(error.value, EngineError) and error.value.name == "style_masks"


def test_it_leaves_the_callers_masks_alone(photo, paintings, random_params):
    mask = torch.linspace(0, 1, 12).reshape(3, 4)
    before = mask.clone()
    run(photo, paintings, random_params.replace(iterations=1), style_masks=[mask, None])
    assert torch.equal(mask, before)


def test_a_grey_image_is_a_mask_white_where_the_style_paints(tmp_path):
    img = Image.new("L", (6, 4), 0)
    img.paste(255, (0, 0, 3, 4))
    img.save(tmp_path / "mask.png")
    mask = load_mask(tmp_path / "mask.png")
    assert mask.shape == (4, 6) and mask.dtype == torch.float32
    assert torch.equal(mask, halves(4, 6)[0])
    assert torch.equal(check_masks([img], 1)[0], mask)  # an image given to stylize reads the same


# --- the masked Gram matrix ----------------------------------------------------------------------

def test_a_masked_gram_loss_is_the_gram_loss_of_the_region_alone():
    torch.manual_seed(0)
    features, target = torch.rand(1, 3, 4, 6), gram(torch.rand(1, 3, 5, 5))
    left, _ = halves(4, 6)
    weight = feature_weights(left, (4, 6), ["relu1_1"])["relu1_1"]  # relu1_1: full resolution
    masked = Masked(StyleLoss(target), weight)(features)
    assert masked.item() == pytest.approx(StyleLoss(target)(features[..., :3]).item(), rel=1e-5)


@pytest.mark.parametrize("value", [1.0, 0.5])
def test_a_uniform_mask_gives_the_unmasked_loss(value):
    torch.manual_seed(0)
    features, target = torch.rand(1, 3, 8, 8), gram(torch.rand(1, 3, 8, 8))
    weight = feature_weights(torch.full((3, 5), value), (8, 8), ["relu2_1"])["relu2_1"]
    assert weight.shape == (1, 1, 4, 4)  # relu2_1: one pooling, half the image's size
    loss = Masked(StyleLoss(target), weight)(features[..., :4, :4])
    assert loss.item() == pytest.approx(StyleLoss(target)(features[..., :4, :4]).item(), rel=1e-5)


def test_without_masks_the_style_loss_is_exactly_todays_blended_gram_loss(random_params):
    torch.manual_seed(0)
    p = random_params.replace(style_blend_weights=(1.0, 3.0))
    layers = list(style_weights(p))
    styles = [{k: torch.rand(1, 4, 6, 6) for k in layers} for _ in range(2)]
    content = {k: torch.rand(1, 4, 5, 5) for k in p.content_layers}
    x = {**{k: torch.rand(1, 4, 5, 5) for k in layers}, **content}
    blend = normalized(p.style_blend_weights, 2)
    today = sum(StyleLoss.blended([s[k] for s in styles], blend)(x[k]) * w
                for k, w in style_weights(p).items())
    image = torch.rand(1, 3, 8, 8)
    for regions in (None, [(None, (0, 1))]):
        objective = build_objective(p, content, styles, regions)
        assert objective(image, x)["style"].item() == today.item()  # not approximately


def test_styles_with_equal_masks_share_one_region():
    left, right = halves(4, 4)
    regions = group_styles([left, right, None, left.clone(), None], 5)
    assert [styles for _, styles in regions] == [(0, 3), (1,), (2, 4)]
    assert group_styles(None, 3) == [(None, (0, 1, 2))]


def test_the_masks_take_each_layers_size_at_any_image_size():
    net = load_backbone("vgg16", "random", device="cpu")
    layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    for size_hw in [(37, 53), (64, 48), (129, 17)]:
        features = net(torch.rand(1, 3, *size_hw), set(layers))
        weights = feature_weights(torch.rand(5, 7) + 0.1, size_hw, layers)
        assert {k: v.shape[-2:] for k, v in weights.items()} == {
            k: v.shape[-2:] for k, v in features.items()}


# --- stylize with masks, random weights (plumbing only) -----------------------------------------

def test_no_masks_give_exactly_todays_run(photo, paintings, random_params):
    p = random_params.replace(iterations=2)
    today = run(photo, paintings, p)
    for masks in (None, [None, None]):
        steps = run(photo, paintings, p, style_masks=masks)
        assert [s.losses for s in steps] == [s.losses for s in today]
        assert steps[-1].image.tobytes() == today[-1].image.tobytes()


@pytest.mark.parametrize("hw", [(1, 1), (3, 7), (600, 5), (30, 40)])
def test_masks_of_any_resolution_are_accepted(photo, paintings, random_params, hw):
    mask = torch.zeros(hw)
    mask[..., : max(1, hw[1] // 2)] = 1
    steps = run(photo, paintings, random_params.replace(iterations=1), style_masks=[mask, None])
    assert steps[-1].image.size == (32, 24) and math.isfinite(steps[-1].losses["total"])


def test_a_masked_style_changes_the_style_loss(photo, paintings, random_params):
    p = random_params.replace(iterations=1)
    left, right = halves(30, 40)
    plain = run(photo, paintings, p)[0].losses["style"]
    masked = run(photo, paintings, p, style_masks=[left, right])[0].losses["style"]
    assert masked != pytest.approx(plain, rel=1e-3)


@pytest.mark.parametrize("stop_at, scale", [(1, 24), (6, 40)])  # coarse, and full size
def test_a_multi_scale_masked_run_resumed_from_its_state_ends_with_the_same_pixels(
        photo, paintings, random_params, stop_at, scale):
    p = random_params.replace(size=40, scales=(24,), iterations=8, exact_iterations=True,
                              snapshot_every=0)
    masks = list(halves(30, 40))
    whole = run(photo, paintings, p, style_masks=masks)
    assert (whole[0].scale, whole[stop_at - 1].scale, whole[-1].scale) == (24, scale, 40)
    steps = stylize(photo, paintings, p, style_masks=masks)
    saved = next(s for s in steps if s.iteration == stop_at).state()
    steps.close()
    rest = run(photo, paintings, p, resume=saved, style_masks=masks)
    assert [s.iteration for s in rest] == list(range(stop_at + 1, 9))
    assert rest[-1].losses["total"] == pytest.approx(whole[-1].losses["total"], rel=1e-5)
    a, b = np.asarray(whole[-1].image, dtype=int), np.asarray(rest[-1].image, dtype=int)
    assert np.abs(a - b).max() <= 1


# --- the real backbone: each half of the photo painted in its own style -------------------------

SIZE, ITERATIONS = 128, 30
LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


@pytest.fixture(scope="module")
def judged(tubingen, starry_night, the_scream, vgg16_weights):
    """The Starry Night masked to the left half of Tubingen and The Scream to the right, the two
    swapped, and both everywhere (the unmasked blend), each judged per half: the relative Gram
    distance of the picture's left and right half to each painting's Gram (real VGG16)."""
    content = load_image(tubingen, max_side=2 * SIZE)
    starry, scream = (load_image(path, max_side=2 * SIZE) for path in (starry_night, the_scream))
    params = StyleParams(size=SIZE, iterations=ITERATIONS, exact_iterations=True,
                         backbone="vgg16", weights=str(vgg16_weights), device="cpu", seed=0,
                         snapshot_every=0)
    w, h = resize_long_side(content, SIZE).size
    left, right = halves(h, w)
    net = load_backbone("vgg16", str(vgg16_weights), device="cpu")

    @torch.no_grad()
    def grams(x):  # (1, 3, H, W)
        return {k: gram(v) for k, v in net(x, set(LAYERS)).items()}

    def distance(g, t):
        return sum(((g[k] - t[k]).pow(2).sum() / t[k].pow(2).sum()).item() for k in LAYERS) / 5

    targets = {name: grams(to_tensor(resize_long_side(img, SIZE))[None])
               for name, img in (("starry", starry), ("scream", scream))}
    out = {}
    for name, masks in (("masked", [left, right]), ("swapped", [right, left]), ("blend", None)):
        image = run(content, [starry, scream], params, style_masks=masks)[-1].image
        x = to_tensor(image)[None]
        sides = {"left": x[..., : w // 2], "right": x[..., w // 2:]}
        out[name] = {(side, style): distance(grams(part), target)
                     for side, part in sides.items() for style, target in targets.items()}
    return out


def margin(d) -> float:
    """How much closer each half is to its own painting (Starry left, Scream right) than to the
    other: positive when the halves are painted apart as masked."""
    return ((d["left", "scream"] - d["left", "starry"])
            + (d["right", "starry"] - d["right", "scream"]))


def test_each_half_is_closest_to_the_style_masked_there(judged):
    d = judged["masked"]
    assert d["left", "starry"] < d["left", "scream"] / 3
    assert d["right", "scream"] < d["right", "starry"] / 2


def test_an_unmasked_blend_does_not_paint_the_halves_apart(judged):
    assert margin(judged["masked"]) > 1.0
    assert margin(judged["blend"]) < margin(judged["masked"]) / 3


def test_swapped_masks_swap_the_styles(judged):
    masked, swapped = judged["masked"], judged["swapped"]
    assert masked["left", "starry"] < swapped["left", "starry"] / 2
    assert masked["right", "scream"] < swapped["right", "scream"] / 2
    assert margin(swapped) < -1.0


# --- the command line ---------------------------------------------------------------------------

@pytest.fixture
def files(tmp_path, photo, paintings):
    photo.save(tmp_path / "content.png")
    for i, painting in enumerate(paintings):
        painting.save(tmp_path / f"style{i}.png")
    left, _ = halves(30, 40)
    Image.fromarray((left.numpy() * 255).astype(np.uint8)).save(tmp_path / "left.png")
    return tmp_path


def argv(folder, *masks):
    return ["stylize", str(folder / "content.png"), str(folder / "style0.png"),
            str(folder / "style1.png"), "-o", str(folder / "out.png"), "--size", "32",
            "--iterations", "2", "--backbone", "vgg16", "--weights", "random", "--device", "cpu",
            "--seed", "0", "--style-masks", *masks]


def test_the_command_line_paints_with_mask_files(files, capsys):
    assert main(argv(files, str(files / "left.png"), "none")) == 0
    assert Image.open(files / "out.png").size == (32, 24)
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("masks, said", [
    (["none"], "--style-masks: needs one mask (or none) per style image (2), got 1"),
    (["left.png", "missing.png"], "--style-masks: Cannot open"),
    (["left.png", "content.txt"], "--style-masks: This file is not an image"),
    (["black.png", "none"], "--style-masks: the mask of style image 1 is zero everywhere"),
])
def test_the_command_line_rejects_bad_masks_in_one_line_writing_nothing(files, capsys, masks,
                                                                         said):
    (files / "content.txt").write_text("hello")
    Image.new("L", (8, 8), 0).save(files / "black.png")
    code = main(argv(files, *(m if m == "none" else str(files / m) for m in masks)))
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and said in err, err
    assert not (files / "out.png").exists()
