"""Regions per style: which part of the photo each style image paints.

Gatys, Ecker, Bethge, Hertzmann and Shechtman, "Controlling Perceptual Factors in Neural Style
Transfer" (arXiv 1611.07865), spatial control: a mask per style image says where it paints, and
that style's Gram matrix is taken over the masked features of the generated image only. The
masks are inputs like the style images (never part of a run's saved state), given at any
resolution and stretched to the photo's frame.

Kept apart from losses.py because the masks live at the photo's resolution while the losses
live at each layer's: this module turns one mask into a per-pixel weight for every style layer
at every scale (each scale of a multi-scale run has its own image size, so its own layer sizes),
and groups the style images that share a region. The losses only multiply features by it.

Resizing: the mask is resized straight from its own resolution to each layer's feature size,
bilinear with antialiasing (an area average when shrinking), so a soft edge stays soft and no
region vanishes at the deep, coarse layers: the paper's simple way of taking its guidance
channels to a layer (resizing, no erosion to the neurons whose whole field lies inside).

Normalising: the region's Gram matrix is F diag(m) F^T / (C * sum(m)), the mean of the
per-pixel outer products weighted by the mask, so a region's Gram compares with the style
image's whole-image Gram whatever the region's area (for a mask of ones it is the plain Gram).
This differs from Gatys et al. (2017), whose Gram is that of the masked features,
(F∘m)(F∘m)^T: the same for a 0/1 mask once divided by the region's area, but a soft mask of
0.5 would count a pixel a quarter. Here the features are multiplied by sqrt(m * H * W / sum(m)),
which turns the losses' plain `gram` (divided by C*H*W) into exactly that weighted mean.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from PIL import Image

from .images import Source, load_image, to_tensor
from .layers import min_side
from .params import ParamError

# ITU-R 601 luma, as Pillow's convert("L"): a colour mask reads as its brightness.
_LUMA = (0.299, 0.587, 0.114)

Mask = torch.Tensor  # (H, W), float32, values in [0, 1], on the CPU


def load_mask(source: Source) -> Mask:
    """A grey image file as a mask, white = 1 ("this style paints here"); ImageError if the file
    cannot be read (engine.images.load_image is the one door for image files)."""
    return _grey(load_image(source))


def check_masks(masks: Sequence | None, count: int) -> list[Mask | None] | None:
    """The masks given to `stylize`, one per style image, as float32 (H, W) tensors on the CPU
    (copies: the caller's are left alone); None for a style that paints everywhere.

    Returns None when no style has a mask: the run is then exactly an unmasked one. Raises
    ParamError("style_masks", ...) for anything else than one tensor (H, W) with values in
    [0, 1], a PIL image or None per style image, or for a mask that is zero everywhere.
    """
    if masks is None:
        return None
    if not isinstance(masks, Sequence) or isinstance(masks, (str, bytes)):  # not one tensor
        raise ParamError("style_masks", "must be a list with one mask (or none) per style image")
    if len(masks) != count:
        raise ParamError("style_masks", f"needs one mask (or none) per style image ({count}), "
                                        f"got {len(masks)}")
    out = [None if m is None else _checked(m, n) for n, m in enumerate(masks, 1)]
    return None if all(m is None for m in out) else out


def group_styles(masks: Sequence[Mask | None] | None,
                 count: int) -> list[tuple[Mask | None, tuple[int, ...]]]:
    """(mask, indices of the style images painting there) per region, in the order of their
    first style. Styles with equal masks share one region and blend there, as every style does
    without masks (None: the one region everywhere, with every style)."""
    if masks is None:
        return [(None, tuple(range(count)))]
    regions: list[tuple[Mask | None, list[int]]] = []
    for i, mask in enumerate(masks):
        same = next((styles for m, styles in regions if _equal(m, mask)), None)
        if same is None:
            regions.append((mask, [i]))
        else:
            same.append(i)
    return [(mask, tuple(styles)) for mask, styles in regions]


@torch.no_grad()
def feature_weights(mask: Mask, size_hw: tuple[int, int],
                    layers: Sequence[str]) -> dict[str, torch.Tensor]:
    """layer -> the per-pixel factor (1, 1, h, w) for its features at an image of `size_hw`:
    sqrt(m * h * w / sum(m)) with m the mask resized to that layer (see the module's docstring).
    """
    out = {}
    for layer in layers:
        step = min_side(layer)  # each 2x2 pooling before the layer halves the side (floor)
        h, w = size_hw[0] // step, size_hw[1] // step
        m = F.interpolate(mask[None, None], size=(h, w), mode="bilinear", align_corners=False,
                          antialias=True).clamp_(0, 1)  # (1, 1, h, w)
        # A region too small to survive the resize weighs nothing here, rather than dividing
        # by zero (its loss is then a constant).
        total = m.sum().clamp_min(torch.finfo(m.dtype).tiny)
        out[layer] = (m * (h * w) / total).sqrt_()  # the objective's .to(device) moves it
    return out


def _checked(mask, n: int) -> Mask:
    """One mask as a float32 (H, W) CPU copy, or ParamError naming the style it belongs to."""
    def fail(message):
        raise ParamError("style_masks", f"the mask of style image {n} {message}")

    if isinstance(mask, Image.Image):
        mask = _grey(mask)
    if not isinstance(mask, torch.Tensor):
        fail(f"must be a tensor (H, W), an image or None, not {type(mask).__name__}")
    if mask.dim() != 2 or min(mask.shape) < 1:
        fail(f"must be a tensor of shape (H, W), got {tuple(mask.shape)}")
    if not (mask.is_floating_point() or mask.dtype == torch.bool):
        fail(f"must hold floats from 0 to 1, not {mask.dtype}")
    m = mask.detach().to("cpu", torch.float32, copy=True)
    if not (torch.isfinite(m).all() and m.min() >= 0 and m.max() <= 1):
        fail("must hold values from 0 to 1")
    if m.max() == 0:
        fail("is zero everywhere, so its style would paint nowhere (None: everywhere)")
    return m


def _grey(img: Image.Image) -> Mask:
    rgb = to_tensor(img)  # (3, H, W) in [0, 1]; any mode, 16-bit included
    return (rgb * torch.tensor(_LUMA).view(3, 1, 1)).sum(0).clamp_(0, 1)  # (H, W)


def _equal(a: Mask | None, b: Mask | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and torch.equal(a, b)

