"""The style engine: Gatys et al.'s neural style transfer in pure PyTorch. Never imports Django.

Public API: `stylize(content, styles, params)` yields a `Step` per iteration.

Importing `engine`, `engine.params` or `engine.images` does not import torch: the web process
validates parameters and uploads without it. `stylize` and `load_backbone` load it on first use.
"""
from .errors import EngineError, ImageError, WeightsError
from .layers import LAYER_NAMES
from .params import ParamError, StyleParams
from .step import Step

ENGINE_VERSION = "1.0.0"

__all__ = [
    "ENGINE_VERSION", "EngineError", "ImageError", "LAYER_NAMES", "ParamError", "Step",
    "StyleParams", "WeightsError", "load_backbone", "stylize",
]

# name -> the module that defines it; imported (with torch) when first asked for.
_LAZY = {"stylize": ".loop", "load_backbone": ".backbone"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # once: later lookups never come here
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
