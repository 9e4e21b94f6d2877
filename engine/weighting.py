"""How the weights of layers, losses and style images combine into one weight per layer.

Torch-free: the web process reads `deepest_layer` to check sizes before a job is queued.
"""
from __future__ import annotations

from collections.abc import Sequence

from .layers import LAYER_INDEX


def layer_weights(layers: Sequence[str], exp: float) -> dict[str, float]:
    """Style layer i gets (i + 1) ** exp, normalized to sum to 1 (exp 0: equal weights)."""
    raw = [(i + 1) ** exp for i in range(len(layers))]
    return {layer: w / sum(raw) for layer, w in zip(layers, raw)}


def content_blend(layers: Sequence[str], blend: float) -> dict[str, float]:
    """The first content layer gets `blend`, the others share the rest equally."""
    if len(layers) == 1:
        return {layers[0]: 1.0}
    rest = (1.0 - blend) / (len(layers) - 1)
    return {layer: blend if i == 0 else rest for i, layer in enumerate(layers)}


def normalized(weights: Sequence[float] | None, n: int) -> list[float]:
    """Blend weights summing to 1; None means equal."""
    w = [1.0] * n if weights is None else [float(x) for x in weights]
    return [x / sum(w) for x in w]


def content_weights(params) -> dict[str, float]:
    """Total weight of each content layer (zero-weight layers left out: no need to compute them)."""
    blend = content_blend(params.content_layers, params.content_weight_blend)
    return {k: v * params.content_weight for k, v in blend.items() if v * params.content_weight > 0}


def style_weights(params) -> dict[str, float]:
    """Total weight of each style layer (zero-weight layers left out)."""
    per_layer = layer_weights(params.style_layers, params.style_layer_weight_exp)
    return {k: v * params.style_weight for k, v in per_layer.items() if v * params.style_weight > 0}


def deepest_layer(params) -> str:
    """The deepest layer with a weight: the network is cut after it."""
    used = set(content_weights(params)) | set(style_weights(params)) or {params.style_layers[0]}
    return max(used, key=LAYER_INDEX[params.backbone].__getitem__)
