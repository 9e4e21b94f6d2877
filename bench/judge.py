"""The benchmarks' judge of a painting: how far it is from the painting's style and the photo.

Independent of the engine's own objective (whose layers, weights and style scale change with
the parameters being compared), so two runs with different settings are judged alike:

- style distance: the mean over relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1 of a VGG16 of
  ||G(result) - G(style)||^2 / ||G(style)||^2, Gram matrices divided by C*H*W, the style image
  at the result's long side;
- content distance: ||F(result) - F(photo)||^2 / ||F(photo)||^2 on relu4_2, the photo at the
  result's size.

Lower is closer. Both are relative errors, so they compare across sizes.
"""
from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from engine import load_backbone
from engine.images import resize_long_side, resize_to, to_tensor
from engine.losses import gram

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
VGG16_WEIGHTS = SHARED / "weights/vgg16-imagenet-features.pth"

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_LAYER = "relu4_2"


class Judge:
    """Scores results against their photo and painting with one VGG16, loaded once."""

    def __init__(self, weights: str | Path = VGG16_WEIGHTS):
        self.net = load_backbone("vgg16", str(weights), device="cpu", last_layer="relu5_1")

    @torch.no_grad()
    def distances(self, result: Image.Image, photo: Image.Image,
                  styles: list[Image.Image], weights: list[float] | None = None) -> dict:
        """{"style": ..., "content": ...} of `result`; several styles are blended by weight."""
        weights = weights or [1.0] * len(styles)
        total = sum(weights)
        x = self.net(to_tensor(result).unsqueeze(0), set(STYLE_LAYERS) | {CONTENT_LAYER})
        c = self.net(to_tensor(resize_to(photo, (result.height, result.width))).unsqueeze(0), {CONTENT_LAYER})
        targets = {layer: 0 for layer in STYLE_LAYERS}
        for style, w in zip(styles, weights):
            s = self.net(to_tensor(resize_long_side(style, max(result.size))).unsqueeze(0),
                         set(STYLE_LAYERS))
            for layer in STYLE_LAYERS:
                targets[layer] = targets[layer] + gram(s[layer]) * (w / total)
        style = sum(_relative(gram(x[layer]), targets[layer]) for layer in STYLE_LAYERS)
        return {"style": style / len(STYLE_LAYERS),
                "content": _relative(x[CONTENT_LAYER], c[CONTENT_LAYER])}


def _relative(value: torch.Tensor, target: torch.Tensor) -> float:
    return float((value - target).pow(2).sum() / target.pow(2).sum())
