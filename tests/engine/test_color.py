"""engine.color: YCbCr conversions, luminance-only transfer and colour histogram matching."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from engine.color import (
    match_histogram, preserve_colors, recolor, rgb_to_ycbcr, ycbcr_to_rgb,
)
from engine.images import to_tensor


def random_image(h=12, w=16, seed=0, lo=0.0, hi=1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return lo + (hi - lo) * torch.rand(3, h, w, generator=g)


def colourful(h=24, w=32, seed=0) -> torch.Tensor:
    """Correlated channels with distinct means: a small stand-in for a real photograph."""
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(1, h, w, generator=g)
    mix = torch.rand(3, 1, 1, generator=g)
    return (0.15 + 0.5 * mix * base + 0.25 * torch.rand(3, h, w, generator=g)).clamp(0, 1)


def stats(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = t.reshape(3, -1).double()
    mu = x.mean(1, keepdim=True)
    return mu.squeeze(1), (x - mu) @ (x - mu).T / x.shape[1]


# --- YCbCr ---------------------------------------------------------------------------------------

def test_ycbcr_matches_jpeg_s_full_range_rec601_on_known_colours():
    rgb = torch.tensor([[1.0, 0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0, 0.0],
                        [0.0, 0.0, 1.0, 1.0, 0.0]]).reshape(3, 1, 5)
    ycc = rgb_to_ycbcr(rgb)[:, 0, :].T          # (5, 3): red, green, blue, white, black
    expected = torch.tensor([
        [0.299, 0.5 - 0.168736, 1.0],
        [0.587, 0.5 - 0.331264, 0.5 - 0.418688],
        [0.114, 1.0, 0.5 - 0.081312],
        [1.0, 0.5, 0.5],
        [0.0, 0.5, 0.5],
    ])
    assert torch.allclose(ycc, expected, atol=1e-5)


def test_ycbcr_agrees_with_pillow():
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8))
    ours = rgb_to_ycbcr(to_tensor(img)) * 255
    pillow = torch.from_numpy(np.array(img.convert("YCbCr"))).permute(2, 0, 1).double()
    assert (ours.double() - pillow).abs().max() <= 1.0


def test_ycbcr_round_trips():
    t = random_image()
    assert torch.allclose(ycbcr_to_rgb(rgb_to_ycbcr(t)), t, atol=1e-6)
    batch = torch.stack([t, random_image(seed=1)])     # (2, 3, H, W) works too
    assert torch.allclose(ycbcr_to_rgb(rgb_to_ycbcr(batch)), batch, atol=1e-6)
    assert torch.allclose(rgb_to_ycbcr(t.double()), rgb_to_ycbcr(t).double(), atol=1e-6)


def test_ycbcr_rejects_a_tensor_without_three_channels():
    with pytest.raises(ValueError, match=r"\(\.\.\., 3, H, W\)"):
        rgb_to_ycbcr(torch.zeros(4, 2, 2))


# --- preserve_colors -----------------------------------------------------------------------------

def test_preserve_colors_keeps_the_stylized_luminance_and_the_content_chrominance():
    stylized = random_image(seed=1, lo=0.3, hi=0.7)    # mid-tones: the result stays in gamut
    content = random_image(seed=2, lo=0.4, hi=0.6)
    out = preserve_colors(stylized, content)

    # By hand, with JPEG's constants.
    r, g, b = stylized
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cr, cg, cb = content
    cb_ = 0.5 - 0.168736 * cr - 0.331264 * cg + 0.5 * cb
    cr_ = 0.5 + 0.5 * cr - 0.418688 * cg - 0.081312 * cb
    expected = torch.stack([y + 1.402 * (cr_ - 0.5),
                            y - 0.344136 * (cb_ - 0.5) - 0.714136 * (cr_ - 0.5),
                            y + 1.772 * (cb_ - 0.5)])
    assert expected.min() > 0 and expected.max() < 1
    assert torch.allclose(out, expected, atol=1e-4)

    ycc = rgb_to_ycbcr(out)
    assert torch.allclose(ycc[0], rgb_to_ycbcr(stylized)[0], atol=1e-5)
    assert torch.allclose(ycc[1:], rgb_to_ycbcr(content)[1:], atol=1e-5)


def test_preserve_colors_turns_a_grey_stylization_into_the_content_s_colours():
    content = torch.tensor([0.8, 0.3, 0.2]).reshape(3, 1, 1).expand(3, 4, 4)
    y = rgb_to_ycbcr(content)[0:1]
    grey = y.expand(3, 4, 4)                           # same luminance, no colour
    assert torch.allclose(preserve_colors(grey, content), content, atol=1e-5)


def test_preserve_colors_resizes_the_content_to_the_stylized_size():
    content = torch.tensor([0.2, 0.4, 0.7]).reshape(3, 1, 1).expand(3, 20, 30).clone()
    stylized = random_image(10, 15, seed=3, lo=0.3, hi=0.6)
    out = preserve_colors(stylized, content)
    assert out.shape == stylized.shape
    assert torch.allclose(rgb_to_ycbcr(out)[1:], rgb_to_ycbcr(content)[1:, :10, :15], atol=1e-4)
    batched = preserve_colors(stylized.unsqueeze(0), content.unsqueeze(0))
    assert torch.allclose(batched[0], out, atol=1e-6)


def test_preserve_colors_clamps_and_leaves_its_inputs_alone():
    stylized, content = random_image(seed=4), random_image(seed=5)
    s0, c0 = stylized.clone(), content.clone()
    out = preserve_colors(stylized, content)
    assert out.min() >= 0 and out.max() <= 1
    assert torch.equal(stylized, s0) and torch.equal(content, c0)


# --- match_histogram -----------------------------------------------------------------------------

def test_match_histogram_gives_the_source_the_reference_s_mean_and_covariance():
    source = colourful(24, 32, seed=1)                 # the style image
    reference = colourful(40, 30, seed=2)              # the content: another size is fine
    out = match_histogram(source, reference)
    assert out.shape == source.shape and out.dtype == source.dtype
    assert out.min() >= 0 and out.max() <= 1
    mu_out, cov_out = stats(out)
    mu_ref, cov_ref = stats(reference)
    mu_src, _ = stats(source)
    assert (mu_src - mu_ref).abs().max() > 0.02        # there was something to change
    assert torch.allclose(mu_out, mu_ref, atol=2e-3)
    assert torch.allclose(cov_out, cov_ref, atol=1e-3, rtol=0.02)


def test_match_histogram_keeps_the_source_s_structure():
    source, reference = colourful(seed=3), colourful(seed=4)
    out = match_histogram(source, reference)
    # A linear recolouring: the luminance pattern stays strongly correlated with the source's.
    ys, yo = rgb_to_ycbcr(source)[0].flatten(), rgb_to_ycbcr(out)[0].flatten()
    assert torch.corrcoef(torch.stack([ys, yo]))[0, 1] > 0.9


def test_match_histogram_of_an_image_with_itself_changes_nothing():
    t = colourful(seed=5)
    assert torch.allclose(match_histogram(t, t), t, atol=1e-3)


def test_match_histogram_of_a_flat_source_gives_the_reference_mean():
    flat = torch.full((3, 8, 8), 0.5)
    reference = colourful(seed=6)
    out = match_histogram(flat, reference)
    assert torch.isfinite(out).all()
    assert torch.allclose(out, stats(reference)[0].float().reshape(3, 1, 1).expand(3, 8, 8),
                          atol=1e-3)


def test_match_histogram_leaves_its_inputs_alone_and_accepts_a_batch_of_one():
    source, reference = colourful(seed=7), colourful(seed=8)
    s0, r0 = source.clone(), reference.clone()
    out = match_histogram(source.unsqueeze(0), reference.unsqueeze(0))
    assert out.shape == (1, *source.shape)
    assert torch.allclose(out[0], match_histogram(source, reference), atol=1e-6)
    assert torch.equal(source, s0) and torch.equal(reference, r0)


def test_match_histogram_rejects_a_batch_of_several():
    with pytest.raises(ValueError, match="source"):
        match_histogram(torch.rand(2, 3, 4, 4), torch.rand(3, 4, 4))


# --- recolor: the colour post-steps on a finished painting ------------------------------------

def test_recolor_with_nothing_chosen_is_a_copy_of_the_painting():
    painting, photo = colourful(seed=1), colourful(seed=2)
    out = recolor(painting, photo)
    assert torch.equal(out, painting) and out is not painting
    out.zero_()
    assert painting.abs().sum() > 0  # never its input


def test_recolor_keeping_the_colours_is_preserve_colors():
    painting, photo = colourful(seed=1), colourful(48, 64, seed=2)  # the photo is larger
    assert torch.equal(recolor(painting, photo, keep_colors=True), preserve_colors(painting, photo))


def test_recolor_matching_the_histogram_is_match_histogram_with_the_photo_as_reference():
    painting, photo = colourful(seed=1), colourful(seed=2)
    assert torch.equal(recolor(painting, photo, match_histogram=True),
                       match_histogram(painting, photo))


def test_recolor_matches_the_histogram_before_it_keeps_the_colours():
    painting, photo = colourful(seed=1), colourful(seed=2)
    both = recolor(painting, photo, keep_colors=True, match_histogram=True)
    assert torch.equal(both, preserve_colors(match_histogram(painting, photo), photo))


def test_recolor_mixes_linearly_with_the_photo_up_to_the_photo_itself():
    painting, photo = colourful(seed=1), colourful(seed=2)
    assert torch.equal(recolor(painting, photo, mix=1.0), photo)
    assert torch.equal(recolor(painting, photo, mix=0), painting)
    half = recolor(painting, photo, mix=0.25)
    assert torch.allclose(half, 0.75 * painting + 0.25 * photo, atol=1e-6)
    kept = recolor(painting, photo, keep_colors=True, mix=0.5)
    assert torch.allclose(kept, (preserve_colors(painting, photo) + photo) / 2, atol=1e-6)


def test_recolor_resizes_the_photo_to_the_painting_and_keeps_a_batch_dimension():
    painting, photo = colourful(seed=1).unsqueeze(0), colourful(72, 96, seed=2)
    out = recolor(painting, photo, mix=1.0)
    assert out.shape == painting.shape  # (1, 3, 24, 32)
    shrunk = torch.nn.functional.interpolate(photo.unsqueeze(0), size=(24, 32), mode="bilinear",
                                             align_corners=False, antialias=True)
    assert torch.allclose(out, shrunk.clamp(0, 1), atol=1e-6)


@pytest.mark.parametrize("mix", [-0.1, 1.5, float("nan"), float("inf"), "0.5", None, True])
def test_recolor_refuses_a_mix_outside_zero_to_one(mix):
    from engine.params import ParamError

    with pytest.raises(ParamError, match="mix"):
        recolor(colourful(), colourful(), mix=mix)


def test_recolor_refuses_what_is_not_one_rgb_image():
    with pytest.raises(ValueError):
        recolor(torch.rand(2, 3, 8, 8), colourful())
    with pytest.raises(ValueError):
        recolor(colourful(), torch.rand(1, 8, 8))
