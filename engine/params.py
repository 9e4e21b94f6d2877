"""Every style-transfer parameter, its default and its validation, in one place.

The command line, the gallery's forms and the REST serializers all read their defaults and
choices from :class:`StyleParams`, so no default is written twice.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from .errors import EngineError
from .layers import LAYER_NAMES

# VGG layer names (relu{block}_{index}); layers.py maps them to indices.
CONTENT_LAYERS = ("relu4_2", "relu5_2")
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")

OPTIMIZERS = ("lbfgs", "adam")
POOLINGS = ("max", "avg")
BACKBONES = ("vgg19", "vgg16")
DEVICES = ("auto", "cpu", "cuda")  # and "cuda:N", one GPU of several (`is_device`)
INIT_KINDS = ("content", "noise")  # anything else is the path of an image

MAX_SIZE = 4096
# The sizes the gallery's form offers (any size up to MAX_SIZE is valid).
SUGGESTED_SIZES = (256, 512, 1024, 1536)
# The automatic coarse-to-fine schedule halves the size down to this long side (see `schedule`).
MIN_AUTO_SCALE = 128
MAX_ITERATIONS = 100_000
# Loss and blend weights beyond this only push the losses towards infinity (each loss is a
# relative error around 1, engine/losses.py), and so does a style layer exponent beyond
# MAX_LAYER_EXP (its layer weights are (i + 1) ** exp).
MAX_WEIGHT = 1e6
MAX_LAYER_EXP = 10.0


class ParamError(EngineError, ValueError):
    """A parameter has a value the engine cannot use; the message names the parameter."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class _Params:
    """What both parameter dataclasses do with themselves: copy with changes, and to and from
    JSON-friendly dicts (tuples as lists)."""

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-friendly dict (tuples as lists) that `from_dict` reads back."""
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in dataclasses.fields(self)
        }

    @classmethod
    def from_dict(cls, data: dict):
        """Build from a mapping, ignoring unknown keys; lists become tuples."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v
                      for k, v in data.items() if k in names})


def is_device(name) -> bool:
    """auto, cpu, cuda, or cuda:N (the N-th GPU)."""
    if not isinstance(name, str):
        return False
    kind, _, index = name.partition(":")
    return name in DEVICES or (kind == "cuda" and index.isdigit())


def _need(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise ParamError(name, message)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    """A finite int or float (not a bool, not NaN, not infinite)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) < float("inf")


@dataclass(frozen=True, kw_only=True)
class StyleParams(_Params):
    """The resolved parameters of one style transfer. Validated on construction."""

    size: int = 512  # long side of the output, px
    # Optimizer steps over all scales: the upper bound, the run stops earlier once the painting
    # has converged (engine/convergence.py), unless `exact_iterations` asks for all of them.
    iterations: int = 300
    exact_iterations: bool = False
    # Converged: the total loss falls by less than this share per iteration, averaged over the
    # last ten iterations of a scale. Measured at 512 px (bench/judge.py; the old default of 300
    # iterations at one scale: 0.032 style, 0.63 content distance, 574 s): 0.005 took 130 s for
    # 0.032 and 0.69; 0.007 110 s for 0.034 and 0.71; 0.01 92 s for 0.034 and 0.75.
    tolerance: float = 0.007
    optimizer: Literal["lbfgs", "adam"] = "lbfgs"
    # Every loss is a relative error (engine/losses.py), so these weights mean the same at any
    # size. Style 14 : content 1 paints clearly (Van Gogh's swirls over a recognisable photo);
    # tuned with bench/judge.py on the multi-scale default (512 px, Tubingen, The Starry Night;
    # style and content distance): 20 gave 0.025 and 0.81 (the coarse scales already paint
    # boldly), 10 gave 0.040 and 0.62; one scale with 300 iterations at 20 gave 0.032 and 0.63.
    # tv 10 smooths the pixel noise only.
    content_weight: float = 1.0
    style_weight: float = 14.0  # "strength" in the gallery scales this
    tv_weight: float = 10.0
    content_layers: tuple[str, ...] = CONTENT_LAYERS
    style_layers: tuple[str, ...] = STYLE_LAYERS
    # Share of the content loss on the first content layer; the rest goes to the second.
    content_weight_blend: float = 1.0
    # Style layer i gets weight (i+1) ** exp, normalized to sum to 1; 0 weighs all layers equally.
    style_layer_weight_exp: float = 0.0
    # One weight per style image (normalized to sum to 1); None means equal weights.
    style_blend_weights: tuple[float, ...] | None = None
    style_scale: float = 1.0  # style image size relative to the content's
    # Coarse to fine: optimise a smaller copy first, each scale starting from the previous
    # result. `scales` names the coarse long sides (e.g. 128, 256); empty: halving from `size`
    # down to MIN_AUTO_SCALE px. Off: one scale at `size`.
    multi_scale: bool = True
    scales: tuple[int, ...] = ()
    init: str = "content"  # "content", "noise" or the path of an image
    seed: int | None = None  # None: the engine draws one and reports it
    preserve_colors: bool = False
    match_histogram: bool = False  # match the style's colour histogram to the content first
    pooling: Literal["max", "avg"] = "max"
    # Adam only; pixels are in [0, 1], so this is about the largest change of a pixel per step.
    # Tuned at 256 px, 200 iterations (total loss; L-BFGS 1.59): 0.01 1.69, 0.02 1.65,
    # 0.05 1.67, 0.1 unstable (2.20).
    learning_rate: float = 0.02
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    snapshot_every: int = 25  # the image every N iterations; 0: none (the last step has it anyway)
    backbone: Literal["vgg19", "vgg16"] = "vgg19"
    weights: str | None = None  # local state dict; None: torchvision's; "random": tests only
    device: str = "auto"  # one of DEVICES, or cuda:N

    def __post_init__(self) -> None:
        validate(self)

    @property
    def schedule(self) -> tuple[int, ...]:
        """The long sides to optimise at, coarse to fine, ending at `size`."""
        if not self.multi_scale:
            return (self.size,)
        coarse = self.scales or auto_scales(self.size)
        return tuple(s for s in coarse if s < self.size) + (self.size,)


def auto_scales(size: int) -> tuple[int, ...]:
    """The coarse scales chosen from the size: halving down to MIN_AUTO_SCALE px (512: 128,
    256; 1024: 128, 256, 512; 1536: 192, 384, 768)."""
    out = []
    while (size := size // 2) >= MIN_AUTO_SCALE:
        out.insert(0, size)
    return tuple(out)


def defaults() -> StyleParams:
    return StyleParams()


def check_styles(styles, blend) -> None:
    """At least one style image, and one blend weight per style image when weights are given."""
    _need(len(styles) > 0, "styles", "needs at least one style image")
    _need(blend is None or len(blend) == len(styles), "style_blend_weights",
          f"needs one weight per style image ({len(styles)}), got {len(blend or ())}")


def _validate_losses(p) -> None:
    """The loss fields StyleParams and TrainParams share (the same loss modules read them)."""
    need, is_num = _need, _is_num
    for name in ("content_weight", "style_weight", "tv_weight"):
        need(is_num(getattr(p, name)) and 0 <= getattr(p, name) <= MAX_WEIGHT, name,
             f"must be a number from 0 to {MAX_WEIGHT:g}")
    need(is_num(p.style_layer_weight_exp) and 0 <= p.style_layer_weight_exp <= MAX_LAYER_EXP,
         "style_layer_weight_exp", f"must be a number from 0 to {MAX_LAYER_EXP:g}")
    need(is_num(p.content_weight_blend) and 0 <= p.content_weight_blend <= 1,
         "content_weight_blend", "must be between 0 and 1")
    need(is_num(p.style_scale) and 0.1 <= p.style_scale <= 4, "style_scale",
         "must be between 0.1 and 4")
    vgg = LAYER_NAMES[p.backbone] if p.backbone in BACKBONES else ()
    need(p.backbone in BACKBONES, "backbone", f"must be one of {', '.join(BACKBONES)}")
    for name in ("content_layers", "style_layers"):
        layers = getattr(p, name)
        need(isinstance(layers, tuple) and len(layers) > 0, name, "needs at least one layer")
        unknown = [layer for layer in layers if layer not in vgg]
        need(not unknown, name, f"unknown layer {', '.join(map(str, unknown))} for {p.backbone}")
    if p.style_blend_weights is not None:
        w = p.style_blend_weights
        need(all(is_num(x) and 0 <= x <= MAX_WEIGHT for x in w) and sum(w) > 0,
             "style_blend_weights", f"must be numbers from 0 to {MAX_WEIGHT:g} with a positive sum")


def _validate_run(p) -> None:
    """Seed, pooling and the machine's choices (weights, device), shared by both kinds."""
    _need(p.seed is None or (_is_int(p.seed) and 0 <= p.seed < 2**63), "seed",
          "must be a non-negative integer")
    _need(p.pooling in POOLINGS, "pooling", f"must be one of {', '.join(POOLINGS)}")
    _need(p.weights is None or (isinstance(p.weights, str) and p.weights != ""), "weights",
          "must be a file path, 'random' or unset")
    _need(is_device(p.device), "device", f"must be one of {', '.join(DEVICES)} or cuda:N")


def validate(p: StyleParams) -> None:
    """Raise ParamError naming the first parameter with a value the engine cannot use."""
    need, is_int, is_num = _need, _is_int, _is_num

    need(is_int(p.size) and 16 <= p.size <= MAX_SIZE, "size", f"must be an integer from 16 to {MAX_SIZE}")
    need(is_int(p.iterations) and 1 <= p.iterations <= MAX_ITERATIONS, "iterations",
         f"must be an integer from 1 to {MAX_ITERATIONS}")
    need(p.optimizer in OPTIMIZERS, "optimizer", f"must be one of {', '.join(OPTIMIZERS)}")
    _validate_losses(p)
    need(all(is_int(s) and 16 <= s <= MAX_SIZE for s in p.scales), "scales",
         f"each scale must be an integer from 16 to {MAX_SIZE}")
    need(list(p.scales) == sorted(set(p.scales)), "scales", "must be increasing")
    need(is_num(p.tolerance) and 0 <= p.tolerance < 1, "tolerance", "must be in [0, 1)")
    for name in ("exact_iterations", "multi_scale", "preserve_colors", "match_histogram"):
        need(isinstance(getattr(p, name), bool), name, "must be true or false")
    need(len(p.schedule) <= p.iterations, "iterations", "must be at least the number of scales")
    need(isinstance(p.init, str) and p.init != "", "init", "must be content, noise or an image path")
    _validate_run(p)
    need(is_num(p.learning_rate) and 0 < p.learning_rate <= 1, "learning_rate",
         "must be > 0 and at most 1")
    need(is_num(p.beta1) and 0 <= p.beta1 < 1, "beta1", "must be in [0, 1)")
    need(is_num(p.beta2) and 0 <= p.beta2 < 1, "beta2", "must be in [0, 1)")
    need(is_num(p.epsilon) and 0 < p.epsilon <= 1, "epsilon", "must be > 0 and at most 1")
    need(is_int(p.snapshot_every) and p.snapshot_every >= 0, "snapshot_every",
         "must be an integer >= 0")


@dataclass(frozen=True, kw_only=True)
class TrainParams(_Params):
    """The parameters of training an instant (feed-forward) network. Validated on construction.

    The loss fields have the meaning they have in `StyleParams` (the same loss modules read them).
    Johnson et al.'s style layers (the four block ends up to relu4_3, so the backbone is cut
    before block 5); content one block deeper than their relu2_2, on relu3_3, which leaves the
    painting more room over the photo's fine detail.
    """

    # The recipe of the shipped networks (gallery/themes/networks/README.md), which trains in
    # 12 to 25 minutes on two CPU cores and paints a 512 px photo with clear brushwork; on a GPU
    # raise steps, size and batch (e.g. 20000, 256, 4) for finer results.
    size: int = 128  # side of the square training crops, px
    steps: int = 1200
    batch: int = 2
    content_weight: float = 1.0
    # Style 3 with the painting at twice the crop: 5 at 1.5x hid Tubingen's houses (300 steps);
    # 2 kept the photo but only its colours changed.
    style_weight: float = 3.0
    tv_weight: float = 10.0
    content_layers: tuple[str, ...] = ("relu3_3",)
    style_layers: tuple[str, ...] = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
    content_weight_blend: float = 1.0
    style_layer_weight_exp: float = 0.0
    style_blend_weights: tuple[float, ...] | None = None
    # The painting's long side relative to the crop: larger paints finer brushwork.
    style_scale: float = 2.0
    learning_rate: float = 1e-3
    seed: int | None = None  # None: the engine draws one and records it
    # The network's channels in its first layer and its residual blocks (engine/network.py).
    # Measured with bench/instant.py on two CPU cores (median apply time, 512x384 / 1024x768):
    # width 16 with 5 blocks 0.28 s / 1.57 s; with 3 blocks 0.29 s / 1.55 s (the full-size 9x9
    # convolutions dominate); width 32 (Johnson's) with 5 blocks 0.80 s / 3.79 s. Width 16 keeps
    # Johnson's depth at a third of his time: well under the second an instant painting may take.
    width: int = 16
    blocks: int = 5
    sample_every: int = 100  # a sample picture every N steps; 0: only the last
    checkpoint_every: int = 100  # a resumable checkpoint every N steps; 0: only the last
    backbone: Literal["vgg19", "vgg16"] = "vgg19"
    weights: str | None = None
    device: str = "auto"  # one of DEVICES, or cuda:N
    pooling: Literal["max", "avg"] = "max"

    def __post_init__(self) -> None:
        validate_training(self)


MAX_TRAIN_STEPS = 1_000_000


def validate_training(p: TrainParams) -> None:
    """Raise ParamError naming the first training parameter the engine cannot use."""
    need, is_int, is_num = _need, _is_int, _is_num

    need(is_int(p.size) and 32 <= p.size <= 1024, "size", "must be an integer from 32 to 1024")
    need(is_int(p.steps) and 1 <= p.steps <= MAX_TRAIN_STEPS, "steps",
         f"must be an integer from 1 to {MAX_TRAIN_STEPS}")
    need(is_int(p.batch) and 1 <= p.batch <= 64, "batch", "must be an integer from 1 to 64")
    _validate_losses(p)
    need(is_num(p.learning_rate) and 0 < p.learning_rate <= 1, "learning_rate",
         "must be > 0 and at most 1")
    _validate_run(p)
    need(is_int(p.width) and 4 <= p.width <= 128, "width", "must be an integer from 4 to 128")
    need(is_int(p.blocks) and 0 <= p.blocks <= 16, "blocks", "must be an integer from 0 to 16")
    for name in ("sample_every", "checkpoint_every"):
        need(is_int(getattr(p, name)) and getattr(p, name) >= 0, name, "must be an integer >= 0")

