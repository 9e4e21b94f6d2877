"""`python -m engine stylize CONTENT STYLE [STYLE ...] -o OUT [options]`, in the spirit of
jcjohnson's `neural_style`. Every default comes from `StyleParams`; this file only parses,
shows progress and saves. Any bad input is a one-line error on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import EngineError
from .images import SAVE_FORMATS, load_image, save_image
from .params import BACKBONES, DEVICES, OPTIMIZERS, POOLINGS, ParamError, StyleParams

USAGE_ERROR = 2
# Environment variables that stand in for an option the user did not give (DESIGN.md).
ENVIRONMENT = {"weights": "STYLE_WEIGHTS", "backbone": "STYLE_BACKBONE", "device": "STYLE_DEVICE"}


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line (no usage block) and exit with status 2."""

    def error(self, message: str):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected pixel sizes like 128,256,512, not {text!r}") from None


def _names(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


# option -> (StyleParams field, argparse keywords). Defaults are read from StyleParams.
_OPTIONS = {
    "--size": ("size", {"type": int, "metavar": "PX", "help": "long side of the output"}),
    "--iterations": ("iterations", {"type": int, "metavar": "N", "help": "over all scales"}),
    "--optimizer": ("optimizer", {"choices": OPTIMIZERS}),
    "--content-weight": ("content_weight", {"type": float, "metavar": "W"}),
    "--style-weight": ("style_weight", {"type": float, "metavar": "W"}),
    "--tv-weight": ("tv_weight", {"type": float, "metavar": "W", "help": "total variation"}),
    "--style-blend-weights": ("style_blend_weights", {
        "type": float, "nargs": "+", "metavar": "W", "help": "one per style image"}),
    "--style-layer-weight-exp": ("style_layer_weight_exp", {
        "type": float, "metavar": "E", "help": "style layer i weighs (i+1)**E"}),
    "--content-weight-blend": ("content_weight_blend", {
        "type": float, "metavar": "B", "help": "share of the first content layer"}),
    "--content-layers": ("content_layers", {"type": _names, "metavar": "L,L"}),
    "--style-layers": ("style_layers", {"type": _names, "metavar": "L,L,..."}),
    "--style-scale": ("style_scale", {"type": float, "metavar": "S"}),
    "--scales": ("scales", {"type": _ints, "metavar": "PX,PX,...", "help": "coarse-to-fine"}),
    "--init": ("init", {"metavar": "content|noise|PATH"}),
    "--seed": ("seed", {"type": int, "metavar": "N", "help": "unset: drawn and printed"}),
    "--preserve-colors": ("preserve_colors", {"action": "store_true"}),
    "--match-histogram": ("match_histogram", {
        "action": "store_true", "help": "recolour the style to the content first"}),
    "--pooling": ("pooling", {"choices": POOLINGS}),
    "--learning-rate": ("learning_rate", {"type": float, "metavar": "LR", "help": "Adam"}),
    "--beta1": ("beta1", {"type": float, "metavar": "B"}),
    "--beta2": ("beta2", {"type": float, "metavar": "B"}),
    "--epsilon": ("epsilon", {"type": float, "metavar": "E"}),
    "--snapshot-every": ("snapshot_every", {"type": int, "metavar": "N"}),
    "--backbone": ("backbone", {"choices": BACKBONES}),
    "--weights": ("weights", {
        "metavar": "PATH", "help": "local VGG state dict; unset: torchvision's"}),
    "--device": ("device", {"choices": DEVICES}),
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m engine", description="Neural style transfer (Gatys et al.).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cmd = commands.add_parser("stylize", help="paint CONTENT in the style of STYLE(s)",
                              description="Paint CONTENT in the style of one or more STYLE images.")
    cmd.add_argument("content", metavar="CONTENT", help="the photograph")
    cmd.add_argument("styles", metavar="STYLE", nargs="+", help="the painting(s)")
    cmd.add_argument("-o", "--output", metavar="OUT", required=True, help=".png, .jpg or .jpeg")
    cmd.add_argument("--snapshot-dir", metavar="DIR",
                     help="write a snapshot every --snapshot-every iterations here (default: none)")
    defaults = {f.name: f.default for f in dataclasses.fields(StyleParams)}
    for option, (field, kwargs) in _OPTIONS.items():
        default = defaults[field]
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        env = f"; ${ENVIRONMENT[field]} when set" if field in ENVIRONMENT else ""
        help_text = "; ".join(filter(None, [kwargs.get("help"), f"default: {shown}{env}"]))
        # SUPPRESS: an option not given is absent, and StyleParams supplies its default.
        cmd.add_argument(option, dest=field, default=argparse.SUPPRESS,
                         **{**kwargs, "help": help_text})
    return parser


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    args = vars(build_parser().parse_args(argv))
    environ = os.environ if environ is None else environ
    try:
        return _stylize(args, environ)
    except ParamError as error:
        option = "--" + error.name.replace("_", "-")
        return _fail(f"{option}: {error.message}" if option in _OPTIONS else str(error))
    except EngineError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        print("\ninterrupted; nothing written", file=sys.stderr)
        return 130


def _stylize(args: dict, environ: Mapping[str, str]) -> int:
    from .loop import stylize  # torch loads here, not for --help or a usage error

    fields = {f.name for f in dataclasses.fields(StyleParams)}
    given = {k: v for k, v in args.items() if k in fields}
    for field, variable in ENVIRONMENT.items():
        if field not in given and environ.get(variable):
            given[field] = environ[variable]
    params = StyleParams(**given)

    out = Path(args["output"])
    if out.suffix.lower() not in SAVE_FORMATS:
        return _fail(f"{out}: the output name must end in .png, .jpg or .jpeg")
    if not out.parent.is_dir():
        return _fail(f"{out}: folder {out.parent} does not exist")
    # Snapshots are written only where asked for: the engine makes one every
    # `snapshot_every` iterations by default (the gallery shows them), a command line user
    # wants just the picture unless they give a folder.
    snapshots = Path(args["snapshot_dir"]) if args.get("snapshot_dir") else None
    if snapshots is not None and not snapshots.is_dir():
        return _fail(f"--snapshot-dir: folder {snapshots} does not exist")
    if snapshots is None:
        params = params.replace(snapshot_every=0)  # no folder: no snapshot images to make

    content = load_image(args["content"])
    styles = [load_image(path) for path in args["styles"]]
    progress = _Progress(sys.stderr)
    step = None
    for step in stylize(content, styles, params):
        progress.show(step)
        if snapshots is not None and step.image is not None and not step.is_last:
            save_image(step.image, snapshots / f"{out.stem}_{step.iteration:05d}{out.suffix}")
    progress.close()
    save_image(step.image, out)
    w, h = step.image.size
    losses = "  ".join(f"{k} {v:.4g}" for k, v in step.losses.items())
    print(f"wrote {out} ({w}x{h}) in {_clock(step.elapsed)}, seed {step.seed}")
    print(f"losses: {losses}")
    return 0


def _fail(message: str) -> int:
    print(f"python -m engine: error: {message}", file=sys.stderr)
    return USAGE_ERROR


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


class _Progress:
    """A bar redrawn in place on a terminal; a plain line every 5% (and the last) otherwise."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.every, self.last_line = 0, time.monotonic()

    def show(self, step) -> None:
        text = (f"{step.iteration}/{step.total}  {_clock(step.elapsed)} elapsed  "
                f"{_clock(step.remaining)} left  {step.scale}px  loss {step.losses['total']:.4g}")
        if self.tty:
            done = round(30 * step.iteration / step.total)
            self.stream.write(f"\r[{'#' * done}{'.' * (30 - done)}] {text}  ")
        elif step.is_last or step.iteration % max(1, step.total // 20) == 0:
            self.stream.write(f"iteration {text}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
