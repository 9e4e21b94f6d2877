"""The objective: content, style (Gram) and total-variation losses as small composed modules.

Each loss holds its target as a buffer (so `.to(device)` moves it) and returns one scalar.
Weights and layer choices are composed (`Scale(LayerApply(StyleLoss(t), "relu3_1"), w)`), summed
per kind by `SumLoss`, and `Objective` reports the three weighted kinds separately.

Normalization (this differs from Gatys et al. (2016), whose raw sums grow with the image size
and differ by orders of magnitude between layers): Gram matrices are divided by C*H*W, and each
content and style term is divided by the squared norm of its target, so a term is a relative
error around 1 whatever the size, the layer, the weights file's activation scale or the style
image. The default weights in `StyleParams` therefore hold at every size.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from .weighting import content_weights, normalized, style_weights

_EPS = 1e-8  # keeps an all-zero target (a black image) from dividing by zero


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix of (B, C, H, W) features, divided by C*H*W: (B, C, C)."""
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)  # (B, C, HW); a view for channels_last too
    return flat @ flat.transpose(1, 2) / (c * h * w)


class _GramError(torch.autograd.Function):
    """||gram(F) - T||^2 / norm, averaged over the batch, with a backward of one matmul.

    Autograd through `gram` would spend two (B, C, C) x (B, C, HW) matmuls on dL/dF (one per
    factor of F F^T) and add their results into a new tensor. With E = gram(F) - T symmetric
    (both Gram matrices are), dL/dF = 4 E F / (n norm), n = C*H*W: one matmul, written in F's
    own memory layout (channels_last) so adding it to the gradient from the deeper layers
    needs no layout conversion. A batch (training an instant network) shares one target T.
    """

    @staticmethod
    def forward(ctx, features, target, norm):
        b, c, h, w = features.shape
        flat = features.reshape(b, c, h * w)  # (B, C, HW); a view for channels_last too
        error = torch.bmm(flat, flat.transpose(1, 2)).div_(c * h * w).sub_(target)  # (B, C, C)
        ctx.save_for_backward(features, error, norm)
        return error.pow(2).sum() / (norm * b)

    @staticmethod
    def backward(ctx, grad):
        features, error, norm = ctx.saved_tensors
        b, c, h, w = features.shape
        scale = error * (grad * 4 / (c * h * w) / (norm * b))  # (B, C, C), symmetric
        # (E F)^T = F^T E: with F channels_last, F^T is a contiguous (B, HW, C) matrix and the
        # product is written straight into a channels_last (B, C, H, W) tensor. Returned as
        # that tensor, not a view of it: autograd then adds the deeper layers' gradient into
        # it in place instead of allocating the sum.
        flat_t = features.reshape(b, c, h * w).transpose(1, 2)  # (B, HW, C)
        layout = (torch.channels_last if features.is_contiguous(memory_format=torch.channels_last)
                  else torch.contiguous_format)
        out = torch.empty_like(features, memory_format=layout)  # (B, C, H, W)
        if layout == torch.channels_last:
            torch.bmm(flat_t, scale, out=out.permute(0, 2, 3, 1).view(b, h * w, c))
        else:  # E F directly, (B, C, HW)
            torch.bmm(scale, flat_t.transpose(1, 2), out=out.view(b, c, h * w))
        return out, None, None


class _SquaredError(torch.autograd.Function):
    """||F - T||^2 / norm; backward 2 (F - T) / norm in one pass, in F's memory layout."""

    @staticmethod
    def forward(ctx, features, target, norm):
        diff = features - target  # keeps F's layout (channels_last)
        ctx.save_for_backward(diff, norm)
        return diff.pow(2).sum() / norm

    @staticmethod
    def backward(ctx, grad):
        diff, norm = ctx.saved_tensors
        return diff * (grad * 2 / norm), None, None


class ContentLoss(nn.Module):
    """||F - T||^2 / ||T||^2 on one layer's features."""

    def __init__(self, target: torch.Tensor):
        super().__init__()
        self.register_buffer("target", target.detach())
        self.register_buffer("norm", target.detach().pow(2).sum().add(_EPS))

    @torch.no_grad()
    def retarget(self, target: torch.Tensor) -> None:
        """A new target (training: each batch of photos is its own content)."""
        self.target = target.detach()
        self.norm = target.detach().pow(2).sum().add(_EPS)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _SquaredError.apply(features, self.target, self.norm)


class StyleLoss(nn.Module):
    """||G(F) - T||^2 / ||T||^2 where T is a (blend of) Gram matrices, (1, C, C)."""

    def __init__(self, target: torch.Tensor):
        super().__init__()
        self.register_buffer("target", target.detach())
        self.register_buffer("norm", target.detach().pow(2).sum().add(_EPS))

    @classmethod
    def blended(cls, features: Sequence[torch.Tensor], weights: Sequence[float]) -> "StyleLoss":
        """One target from several style images: their Gram matrices averaged with `weights`."""
        return cls(sum(w * gram(f) for f, w in zip(features, weights)))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _GramError.apply(features, self.target, self.norm)


class Masked(nn.Module):
    """A loss on one region of the features: `loss(features * weight)`, `weight` (1, 1, H, W) a
    buffer that engine/regions.py makes from a style's mask (why it is what it is: there)."""

    def __init__(self, loss: nn.Module, weight: torch.Tensor):
        super().__init__()
        self.loss = loss
        self.register_buffer("weight", weight.detach())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.loss(features * self.weight)  # (B, C, H, W)


class _TotalVariation(torch.autograd.Function):
    """mean(dy^2) + mean(dx^2) over neighbouring pixels, with a backward of five passes over the
    image where autograd through the slices takes about twenty."""

    @staticmethod
    def forward(ctx, image):
        dy = image[..., 1:, :] - image[..., :-1, :]  # (B, C, H-1, W)
        dx = image[..., :, 1:] - image[..., :, :-1]  # (B, C, H, W-1)
        ctx.save_for_backward(dy, dx)
        ctx.shape = image.shape
        return dy.pow(2).sum() / max(dy.numel(), 1) + dx.pow(2).sum() / max(dx.numel(), 1)

    @staticmethod
    def backward(ctx, grad):
        dy, dx = ctx.saved_tensors
        ky = grad * 2 / max(dy.numel(), 1)
        kx = grad * 2 / max(dx.numel(), 1)
        out = dy.new_zeros(ctx.shape)
        out[..., 1:, :].addcmul_(dy, ky)
        out[..., :-1, :].addcmul_(dy, -ky)
        out[..., :, 1:].addcmul_(dx, kx)
        out[..., :, :-1].addcmul_(dx, -kx)
        return out


class TVLoss(nn.Module):
    """Mean squared difference between neighbouring pixels, summed over both directions."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return _TotalVariation.apply(image)


class LayerApply(nn.Module):
    """Applies a loss to one named layer of a features dict."""

    def __init__(self, loss: nn.Module, layer: str):
        super().__init__()
        self.loss, self.layer = loss, layer

    def extra_repr(self) -> str:
        return f"layer={self.layer!r}"

    def forward(self, features: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return self.loss(features[self.layer])


class Scale(nn.Module):
    """Multiplies a loss by a constant weight."""

    def __init__(self, loss: nn.Module, weight: float):
        super().__init__()
        self.loss, self.weight = loss, float(weight)

    def extra_repr(self) -> str:
        return f"weight={self.weight:g}"

    def forward(self, *args) -> torch.Tensor:
        return self.loss(*args) * self.weight


class SumLoss(nn.ModuleList):
    """The sum of its losses, all called with the same input."""

    def forward(self, *args) -> torch.Tensor:
        return sum(loss(*args) for loss in self)


class Objective(nn.Module):
    """content + style on the backbone's features, tv on the image; each already weighted."""

    def __init__(self, content: SumLoss, style: SumLoss, tv: nn.Module):
        super().__init__()
        self.content, self.style, self.tv = content, style, tv

    @property
    def layers(self) -> set[str]:
        """The feature layers this objective reads."""
        return {m.layer for m in self.modules() if isinstance(m, LayerApply)}

    def retarget_content(self, features: Mapping[str, torch.Tensor]) -> None:
        """New content targets from `features` (layer name -> activation), same weights."""
        for m in self.content.modules():
            if isinstance(m, LayerApply):
                m.loss.retarget(features[m.layer])

    def forward(self, image: torch.Tensor,
                features: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        zero = image.new_zeros(())  # a kind with no layers (weight 0) sums to a plain int 0
        return {"content": self.content(features) + zero, "style": self.style(features) + zero,
                "tv": self.tv(image)}


@torch.no_grad()
def build_objective(
    params,
    content_features: Mapping[str, torch.Tensor],
    style_features: Sequence[Mapping[str, torch.Tensor]],
    regions: Sequence[tuple[Mapping[str, torch.Tensor] | None, Sequence[int]]] | None = None,
) -> Objective:
    """The weighted objective with targets taken from precomputed features (computed once).

    `regions` (engine/regions.py): (layer -> per-pixel weight, or None for everywhere; the
    indices of the style images painting there) per region. None: one region everywhere with
    every style image. A region's styles blend there as all of them do without regions, and
    its loss weighs their share of the blend weights (one region with every style: all of it).
    """
    raw = ([1.0] * len(style_features) if params.style_blend_weights is None
           else [float(x) for x in params.style_blend_weights])
    content = SumLoss(
        Scale(LayerApply(ContentLoss(content_features[layer]), layer), w)
        for layer, w in content_weights(params).items()
    )
    style = SumLoss()
    for weights, styles in regions or [(None, range(len(style_features)))]:
        inside = [raw[i] for i in styles]
        if sum(inside) == 0:
            continue  # its styles all weigh 0: nothing to paint there
        blend, share = normalized(inside, len(inside)), sum(inside) / sum(raw)
        for layer, w in style_weights(params).items():
            loss = StyleLoss.blended([style_features[i][layer] for i in styles], blend)
            if weights is not None:
                loss = Masked(loss, weights[layer])
            style.append(Scale(LayerApply(loss, layer), w * share))
    return Objective(content, style, Scale(TVLoss(), params.tv_weight))
