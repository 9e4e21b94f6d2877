"""The style engine: Gatys et al.'s neural style transfer in pure PyTorch. Never imports Django.

Public API: `stylize(content, styles, params)` yields a `Step` per iteration.
"""
from .backbone import LAYER_NAMES, load_backbone
from .errors import EngineError, ImageError, WeightsError
from .params import ParamError, StyleParams
from .step import Step
from .stylize import stylize  # the function; it shadows its module's name on purpose

ENGINE_VERSION = "1.0.0"

__all__ = [
    "ENGINE_VERSION", "EngineError", "ImageError", "LAYER_NAMES", "ParamError", "Step",
    "StyleParams", "WeightsError", "load_backbone", "stylize",
]

