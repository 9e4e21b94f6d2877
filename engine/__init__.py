"""The style engine: Gatys et al.'s neural style transfer in pure PyTorch. Never imports Django.

Public API: `stylize(content, styles, params)` yields a `Step` per iteration; the instant
networks' `train(style_images, photos, params)` yields a `TrainStep` per step, and
`load_network(path)` and `apply(network, image, size)` paint with one in a single pass.

Importing `engine`, `engine.params` or `engine.images` does not import torch: the web process
validates parameters and uploads without it. `stylize` and `load_backbone` load it on first use.
"""
from .errors import EngineError, ImageError, WeightsError
from .layers import LAYER_NAMES
from .params import ParamError, StyleParams, TrainParams
from .step import Step

ENGINE_VERSION = "1.1.0"

__all__ = [
    "ENGINE_VERSION", "EngineError", "ImageError", "LAYER_NAMES", "ParamError", "Step",
    "StyleParams", "TrainParams", "WeightsError", "apply", "load_backbone", "load_network",
    "stylize", "train",
]

# name -> the module that defines it; imported (with torch) when first asked for.
_LAZY = {"stylize": ".loop", "load_backbone": ".backbone", "train": ".training",
         "apply": ".network", "load_network": ".network"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # once: later lookups never come here
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
