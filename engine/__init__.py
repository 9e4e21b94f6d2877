"""The style engine: Gatys et al.'s neural style transfer in pure PyTorch. Never imports Django.

Public API: `stylize(content, styles, params)` yields a `Step` per iteration.
"""
from .errors import EngineError, ImageError, WeightsError
from .params import ParamError, StyleParams
from .step import Step

ENGINE_VERSION = "1.0.0"

__all__ = [
    "ENGINE_VERSION", "EngineError", "ImageError", "ParamError", "Step", "StyleParams",
    "WeightsError",
]
