"""Colour operations on image tensors (3, H, W) with values in [0, 1]; inputs are never modified.

Two ways of keeping the photograph's colours, both from Gatys, Bethge, Hertzmann and Shechtman,
"Preserving Color in Neural Artistic Style Transfer" (arXiv 1606.05897):
- `preserve_colors`: luminance-only transfer, applied after stylization: the stylized image's
  luminance with the content's chrominance;
- `match_histogram`: colour histogram matching, applied to the style image before stylization, so
  the painting's strokes and textures arrive already in the photograph's palette.

`recolor` applies them after the painting is made, to a painting kept as the engine made it: the
gallery's colour post-steps (keep the photo's colours, match its histogram, mix with it), which
the user switches on a finished painting without painting it again.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .params import ParamError

# Rec.601 luma weights, in full range as JPEG/JFIF uses them (Y, Cb, Cr all in [0, 1], chroma
# centred on 0.5): Y = Kr R + Kg G + Kb B, Cb = (B - Y) / (2 (1 - Kb)), Cr = (R - Y) / (2 (1 - Kr)).
_KR, _KB = 0.299, 0.114
_KG = 1.0 - _KR - _KB
_RGB_TO_YCBCR = torch.tensor([
    [_KR, _KG, _KB],
    [-_KR / (2 * (1 - _KB)), -_KG / (2 * (1 - _KB)), 0.5],
    [0.5, -_KG / (2 * (1 - _KR)), -_KB / (2 * (1 - _KR))],
], dtype=torch.float64)
_YCBCR_TO_RGB = torch.linalg.inv(_RGB_TO_YCBCR)  # exact inverse: the round trip loses nothing
_CHROMA_OFFSET = torch.tensor([0.0, 0.5, 0.5], dtype=torch.float64)


def rgb_to_ycbcr(t: torch.Tensor) -> torch.Tensor:
    """RGB (..., 3, H, W) -> full-range Rec.601 YCbCr (..., 3, H, W), all channels in [0, 1]."""
    _check_channels(t)
    m = _RGB_TO_YCBCR.to(t.device, t.dtype)
    return torch.einsum("ij,...jhw->...ihw", m, t) + _CHROMA_OFFSET.to(t.device, t.dtype)[:, None, None]


def ycbcr_to_rgb(t: torch.Tensor) -> torch.Tensor:
    """Full-range Rec.601 YCbCr (..., 3, H, W) -> RGB (..., 3, H, W); not clamped."""
    _check_channels(t)
    m = _YCBCR_TO_RGB.to(t.device, t.dtype)
    return torch.einsum("ij,...jhw->...ihw", m, t - _CHROMA_OFFSET.to(t.device, t.dtype)[:, None, None])


def preserve_colors(stylized: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The luminance Y of `stylized` with the chrominance CbCr of `content`, clamped to [0, 1].

    Tensors are (3, H, W) or (B, 3, H, W). `content` is resized (bilinear, antialiased) to
    `stylized`'s size when they differ. Gatys et al. (2016) transfer the style on the luminance
    channel alone; like the seed report, we stylize in RGB and recombine afterwards, which keeps the
    content's colours just the same and needs no change to the optimization.
    """
    _check_channels(stylized)
    _check_channels(content)
    content = _resized_like(content, stylized)
    y = rgb_to_ycbcr(stylized)[..., :1, :, :]       # (..., 1, H, W)
    cbcr = rgb_to_ycbcr(content)[..., 1:, :, :]     # (..., 2, H, W)
    return ycbcr_to_rgb(torch.cat([y, cbcr], dim=-3)).clamp(0, 1)


def match_histogram(source: torch.Tensor, reference: torch.Tensor, *,
                    eps: float = 1e-5) -> torch.Tensor:
    """`source` (the style image) recoloured so its colour mean and covariance are `reference`'s.

    The linear colour transfer of Gatys et al. (2016), section 2.2, in its Image Analogies form:
    each pixel x becomes A (x - mu_s) + mu_r with A = Sigma_r^(1/2) Sigma_s^(-1/2), the symmetric
    matrix square roots taken by eigendecomposition. The paper found this variant better than the
    Cholesky one; unlike per-channel histogram matching it keeps the correlations between channels,
    so it does not invent new hues. `eps` regularizes Sigma_s (a flat source becomes mu_r).
    Tensors are (3, H, W) or (1, 3, H, W); the sizes may differ. The result is clamped to [0, 1],
    which moves the statistics a little where the transform leaves the gamut.
    """
    _check_image(source, "source")
    _check_image(reference, "reference")
    x = source.reshape(3, -1).to(torch.float64)             # (3, N), a new tensor
    r = reference.reshape(3, -1).to(source.device, torch.float64)
    mu_s, cov_s = _mean_cov(x)
    mu_r, cov_r = _mean_cov(r)
    eye = torch.eye(3, dtype=torch.float64, device=x.device)
    a = _sym_power(cov_r, 0.5) @ _sym_power(cov_s + eps * eye, -0.5)  # (3, 3)
    out = a @ (x - mu_s) + mu_r                                        # (3, N)
    return out.reshape(source.shape).to(source.dtype).clamp(0, 1)


_match_histogram = match_histogram  # recolor's keyword of the same name hides the function


def recolor(painting: torch.Tensor, photo: torch.Tensor, *, keep_colors: bool = False,
            match_histogram: bool = False, mix: float = 0.0) -> torch.Tensor:
    """`painting` (3, H, W) with the colour post-steps chosen, in [0, 1]; with none, a copy.

    In this order: `match_histogram` recolours the painting so its colour mean and covariance
    are the photo's (the function of that name, with the photo as the reference: here it is a
    post-step on the painting, not the paper's pre-step on the style image); `keep_colors`
    keeps the painting's luminance with the photo's chrominance (`preserve_colors`, the seed
    report's luminosity transfer); `mix` in [0, 1] blends linearly with the photo, from the
    painting (0) to the photo itself (1). `photo` is resized (bilinear, antialiased) to the
    painting's size; both may also be (1, 3, H, W). Neither input is modified.
    """
    _check_image(painting, "painting")
    _check_image(photo, "photo")
    if isinstance(mix, bool) or not isinstance(mix, (int, float)) or not (
            math.isfinite(mix) and 0.0 <= mix <= 1.0):
        raise ParamError("mix", f"must be a number from 0 to 1, not {mix!r}")
    photo = _resized_like(photo.reshape(photo.shape[-3:]), painting.reshape(painting.shape[-3:]))
    out = painting.reshape(painting.shape[-3:]).clamp(0, 1)  # (3, H, W), a new tensor
    if match_histogram:
        out = _match_histogram(out, photo)
    if keep_colors:
        out = preserve_colors(out, photo)
    if mix:
        out = torch.lerp(out, photo, float(mix)).clamp(0, 1)
    return out.reshape(painting.shape)


def _resized_like(content: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """`content` (..., 3, h, w) resized (bilinear, antialiased) to `like`'s height and width,
    on its device and in its dtype."""
    if content.shape[-2:] != like.shape[-2:]:
        batched = content if content.dim() == 4 else content.unsqueeze(0)
        batched = F.interpolate(batched, size=like.shape[-2:], mode="bilinear",
                                align_corners=False, antialias=True)
        content = batched if content.dim() == 4 else batched.squeeze(0)
    return content.to(like.device, like.dtype)


def _mean_cov(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mu = x.mean(dim=1, keepdim=True)                   # (3, 1)
    d = x - mu
    return mu, d @ d.T / max(x.shape[1], 1)            # (3, 3), population covariance


def _sym_power(m: torch.Tensor, p: float) -> torch.Tensor:
    """m^p for a symmetric positive semi-definite 3x3 matrix (negative round-off set to zero)."""
    vals, vecs = torch.linalg.eigh((m + m.T) / 2)
    vals = vals.clamp(min=0.0)
    if p < 0:
        vals = torch.where(vals > 0, vals, torch.full_like(vals, float("inf")))  # inf^p = 0
    return vecs @ torch.diag(vals.pow(p)) @ vecs.T


def _check_channels(t: torch.Tensor) -> None:
    if t.dim() < 3 or t.shape[-3] != 3:
        raise ValueError(f"expected an RGB tensor of shape (..., 3, H, W), got {tuple(t.shape)}")


def _check_image(t: torch.Tensor, name: str) -> None:
    if not (t.dim() == 3 or (t.dim() == 4 and t.shape[0] == 1)) or t.shape[-3] != 3:
        raise ValueError(f"{name}: expected a tensor of shape (3, H, W) or (1, 3, H, W), "
                         f"got {tuple(t.shape)}")
