"""Every style-transfer and training parameter, described once, and its validation.

Each field of :class:`StyleParams` and :class:`TrainParams` carries its description
(engine/param_spec.py): the command line, the gallery's form, its REST fields and its record
panel are generated from it, so nothing about a parameter is written twice.
"""
from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from typing import Literal

from .errors import EngineError
from .layers import LAYER_NAMES
from .param_spec import MACHINE, THEME, describe, param

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
MAX_TRAIN_STEPS = 1_000_000


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


# The loss fields StyleParams and TrainParams share (the same loss modules read them).
_WEIGHT = dict(minimum=0, maximum=MAX_WEIGHT, metavar="W")
_CONTENT_WEIGHT = dict(label="Content weight", help="How closely to keep the photo's shapes.",
                       **_WEIGHT)
_TV_WEIGHT = dict(label="Smoothness (TV weight)",
                  help="Total variation: higher removes speckle noise.", **_WEIGHT)
_LAYER_BLEND = dict(label="Content layer blend", help="Share of the content loss on the first "
                    "content layer; the rest goes to the second.", minimum=0, maximum=1,
                    metavar="B")
_LAYER_EXP = dict(label="Style layer weight exponent", help="Style layer i weighs (i+1)**E, "
                  "normalized; 0 weighs all style layers equally.", minimum=0,
                  maximum=MAX_LAYER_EXP, metavar="E")
_BLEND = dict(label="Style blend weights", help="One weight per style image, normalized to sum "
              "to 1; unset: equal weights.", minimum=0, maximum=MAX_WEIGHT, set_by=THEME,
              metavar="W")
_STYLE_SCALE = dict(label="Style scale", help="The painting's size relative to the photo: "
                    "larger paints larger brushwork.", minimum=0.1, maximum=4, unit="×",
                    metavar="S")
_SEED = dict(label="Seed", help="Makes a run repeatable; unset: a random one, recorded.",
             minimum=0, maximum=2**63 - 1, rule_text="a non-negative integer", metavar="N")
_POOLING = dict(label="Pooling", help="The backbone's pooling layers.")
_BACKBONE = dict(label="Backbone", help="The VGG network whose features define the losses.",
                 set_by=MACHINE)
_WEIGHTS = dict(label="Weights", help="A local VGG state dict; unset: torchvision's.",
                set_by=MACHINE, metavar="PATH", rule_text="a file path, 'random' or unset")
_DEVICE = dict(label="Device", help="auto, cpu, cuda or cuda:N.", set_by=MACHINE,
               metavar="DEV", rule_text=f"one of {', '.join(DEVICES)} or cuda:N")


@dataclass(frozen=True, kw_only=True)
class StyleParams(_Params):
    """The resolved parameters of one style transfer. Validated on construction.

    Each field's description (engine/param_spec.py) is the one source of its label, help,
    limits and who may set it; the command line and the gallery are generated from it.
    """

    size: int = param(512, label="Size", unit="px", minimum=16, maximum=MAX_SIZE, metavar="PX",
                      help="The long side of the painting; 512 is quick, 1024 and 1536 are "
                           "sharp enough to print.")
    # Optimizer steps over all scales: the upper bound, the run stops earlier once the painting
    # has converged (engine/convergence.py), unless `exact_iterations` asks for all of them.
    iterations: int = param(300, label="Iterations (at most)", minimum=1, maximum=MAX_ITERATIONS,
                            metavar="N", help="The painting stops by itself once it has "
                                              "converged; this is the limit, over all scales.")
    exact_iterations: bool = param(False, label="Run every iteration",
                                   help="Do not stop early when the painting has converged.")
    # Converged: the total loss falls by less than this share per iteration, averaged over the
    # last ten iterations of a scale. Measured at 512 px (bench/judge.py; the old default of 300
    # iterations at one scale: 0.032 style, 0.63 content distance, 574 s): 0.005 took 130 s for
    # 0.032 and 0.69; 0.007 110 s for 0.034 and 0.71; 0.01 92 s for 0.034 and 0.75.
    tolerance: float = param(0.007, label="Convergence tolerance", minimum=0, maximum=1,
                             open_max=True, metavar="T", help="Done when the loss falls by less "
                                                              "than this share per iteration.")
    optimizer: Literal["lbfgs", "adam"] = param(
        "lbfgs", label="Optimizer", help="L-BFGS converges in fewer steps; Adam uses less memory.")
    # Every loss is a relative error (engine/losses.py), so these weights mean the same at any
    # size. Style 14 : content 1 paints clearly (Van Gogh's swirls over a recognisable photo);
    # tuned with bench/judge.py on the multi-scale default (512 px, Tubingen, The Starry Night;
    # style and content distance): 20 gave 0.025 and 0.81 (the coarse scales already paint
    # boldly), 10 gave 0.040 and 0.62; one scale with 300 iterations at 20 gave 0.032 and 0.63.
    # tv 10 smooths the pixel noise only.
    content_weight: float = param(1.0, **_CONTENT_WEIGHT)
    style_weight: float = param(14.0, label="Style weight", **_WEIGHT,
                                help="How much of the painting's style; the gallery's strength "
                                     "slider multiplies it.")
    tv_weight: float = param(10.0, **_TV_WEIGHT)
    content_layers: tuple[str, ...] = param(CONTENT_LAYERS, label="Content layers",
                                            metavar="L,L", help="Where the photo's shapes are "
                                                                "compared.")
    style_layers: tuple[str, ...] = param(STYLE_LAYERS, label="Style layers", metavar="L,L,...",
                                          help="Where the painting's textures are compared.")
    content_weight_blend: float = param(1.0, **_LAYER_BLEND)
    style_layer_weight_exp: float = param(0.0, **_LAYER_EXP)
    style_blend_weights: tuple[float, ...] | None = param(None, **_BLEND)
    style_scale: float = param(1.0, **_STYLE_SCALE)
    # Coarse to fine: optimise a smaller copy first, each scale starting from the previous
    # result. `scales` names the coarse long sides (e.g. 128, 256); empty: halving from `size`
    # down to MIN_AUTO_SCALE px. Off: one scale at `size`.
    multi_scale: bool = param(True, label="Multi-scale", option="--single-scale",
                              help="Paint a small copy first, then refine it at larger sizes.")
    scales: tuple[int, ...] = param((), label="Coarse scales", unit="px", minimum=16,
                                    maximum=MAX_SIZE, metavar="PX,PX,...",
                                    help="The long sides painted before the size, increasing, "
                                         "e.g. 128,256; empty: halving from the size down to "
                                         f"{MIN_AUTO_SCALE} px.")
    init: str = param("content", label="Start from", choices=INIT_KINDS, open_choices=True,
                      metavar="content|noise|PATH", rule_text="content, noise or an image path",
                      help="The photo or random noise.")
    seed: int | None = param(None, **_SEED)
    preserve_colors: bool = param(False, label="Preserve the photo's colours",
                                  help="Apply the brushwork, keep the photo's colours.")
    match_histogram: bool = param(False, label="Match colour histogram",
                                  help="Recolour the painting to the photo's palette first.")
    pooling: Literal["max", "avg"] = param("max", **_POOLING)
    # Adam only; pixels are in [0, 1], so this is about the largest change of a pixel per step.
    # Tuned at 256 px, 200 iterations (total loss; L-BFGS 1.59): 0.01 1.69, 0.02 1.65,
    # 0.05 1.67, 0.1 unstable (2.20).
    learning_rate: float = param(0.02, label="Learning rate", minimum=0, maximum=1,
                                 open_min=True, metavar="LR", help="Adam only.")
    beta1: float = param(0.9, label="Adam beta1", minimum=0, maximum=1, open_max=True,
                         metavar="B", help="Adam only.")
    beta2: float = param(0.999, label="Adam beta2", minimum=0, maximum=1, open_max=True,
                         metavar="B", help="Adam only.")
    epsilon: float = param(1e-8, label="Adam epsilon", minimum=0, maximum=1, open_min=True,
                           metavar="E", help="Adam only.")
    snapshot_every: int = param(25, label="Snapshot every", unit="iterations", minimum=0,
                                metavar="N", help="Iterations between progress images; 0: none "
                                                  "(the last step has one anyway).")
    backbone: Literal["vgg19", "vgg16"] = param("vgg19", **_BACKBONE)
    weights: str | None = param(None, **_WEIGHTS)  # "random": tests only
    device: str = param("auto", **_DEVICE)

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


def draw_seed() -> int:
    """A seed for a run that was given none; it is recorded, so the run can be repeated. Below
    2**31: short to read and type, and exact as a JavaScript number in the API's JSON."""
    return secrets.randbelow(2**31)


def check_styles(styles, blend) -> None:
    """At least one style image, and one blend weight per style image when weights are given."""
    _need(len(styles) > 0, "styles", "needs at least one style image")
    _need(blend is None or len(blend) == len(styles), "style_blend_weights",
          f"needs one weight per style image ({len(styles)}), got {len(blend or ())}")


def _check_each(p) -> None:
    """Every field against its own description: its kind and its limits."""
    for name, spec in describe(type(p)).items():
        _need(spec.allows(getattr(p, name)), name, f"must be {spec.rule}")


def _check_relations(p) -> None:
    """What one field's description cannot say: layers of the chosen backbone, a blend with a
    positive sum, a device name."""
    vgg = LAYER_NAMES[p.backbone]
    for name in ("content_layers", "style_layers"):
        layers = getattr(p, name)
        _need(len(layers) > 0, name, "needs at least one layer")
        unknown = [layer for layer in layers if layer not in vgg]
        _need(not unknown, name, f"unknown layer {', '.join(unknown)} for {p.backbone}")
    if p.style_blend_weights is not None:
        _need(sum(p.style_blend_weights) > 0, "style_blend_weights", "must have a positive sum")
    _need(is_device(p.device), "device", f"must be {describe(type(p))['device'].rule}")


def validate(p: StyleParams) -> None:
    """Raise ParamError naming the first parameter with a value the engine cannot use."""
    _check_each(p)
    _check_relations(p)
    _need(list(p.scales) == sorted(set(p.scales)), "scales", "must be increasing")
    _need(len(p.schedule) <= p.iterations, "iterations", "must be at least the number of scales")


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
    size: int = param(128, label="Crop size", unit="px", minimum=32, maximum=1024, metavar="PX",
                      help="Side of the square photo crops the network learns on.")
    steps: int = param(1200, label="Steps", minimum=1, maximum=MAX_TRAIN_STEPS, metavar="N",
                       help="Adam steps; 1200 take 12 to 25 minutes on two CPU cores.")
    batch: int = param(2, label="Batch", minimum=1, maximum=64, metavar="B",
                       help="Photo crops per step.")
    content_weight: float = param(1.0, **_CONTENT_WEIGHT)
    # Style 3 with the painting at twice the crop: 5 at 1.5x hid Tubingen's houses (300 steps);
    # 2 kept the photo but only its colours changed.
    style_weight: float = param(3.0, label="Style weight", **_WEIGHT,
                                help="Higher paints more of the painting over the photo.")
    tv_weight: float = param(10.0, **_TV_WEIGHT)
    content_layers: tuple[str, ...] = param(("relu3_3",), label="Content layers", metavar="L,L")
    style_layers: tuple[str, ...] = param(("relu1_2", "relu2_2", "relu3_3", "relu4_3"),
                                          label="Style layers", metavar="L,L,...")
    content_weight_blend: float = param(1.0, **_LAYER_BLEND)
    style_layer_weight_exp: float = param(0.0, **_LAYER_EXP)
    style_blend_weights: tuple[float, ...] | None = param(None, **_BLEND)
    # The painting's long side relative to the crop: larger paints finer brushwork.
    style_scale: float = param(2.0, **_STYLE_SCALE)
    learning_rate: float = param(1e-3, label="Learning rate", minimum=0, maximum=1,
                                 open_min=True, metavar="LR", help="Adam's.")
    seed: int | None = param(None, **_SEED)
    # The network's channels in its first layer and its residual blocks (engine/network.py).
    # Measured with bench/instant.py on two CPU cores (median apply time, 512x384 / 1024x768):
    # width 16 with 5 blocks 0.28 s / 1.57 s; with 3 blocks 0.29 s / 1.55 s (the full-size 9x9
    # convolutions dominate); width 32 (Johnson's) with 5 blocks 0.80 s / 3.79 s. Width 16 keeps
    # Johnson's depth at a third of his time: well under the second an instant painting may take.
    width: int = param(16, label="Width", minimum=4, maximum=128, metavar="C",
                       help="Channels of the network's first layer.")
    blocks: int = param(5, label="Residual blocks", minimum=0, maximum=16, metavar="N")
    sample_every: int = param(100, label="Sample every", unit="steps", minimum=0, metavar="N",
                              help="A sample picture every N steps; 0: only the last.")
    checkpoint_every: int = param(100, label="Checkpoint every", unit="steps", minimum=0,
                                  metavar="N", help="A resumable checkpoint every N steps; 0: "
                                                    "only the last.")
    backbone: Literal["vgg19", "vgg16"] = param("vgg19", **_BACKBONE)
    weights: str | None = param(None, **_WEIGHTS)
    device: str = param("auto", **_DEVICE)
    pooling: Literal["max", "avg"] = param("max", **_POOLING)

    def __post_init__(self) -> None:
        validate_training(self)


def validate_training(p: TrainParams) -> None:
    """Raise ParamError naming the first training parameter the engine cannot use."""
    _check_each(p)
    _check_relations(p)
