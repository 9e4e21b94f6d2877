"""`python -m engine stylize CONTENT STYLE [STYLE ...] -o OUT [options]`, in the spirit of
jcjohnson's `neural_style`, and the instant networks' `train` and `apply`. Every default comes
from `StyleParams` or `TrainParams`; this file only parses, shows progress and saves. Any bad
input is a one-line error on stderr and exit status 2, with nothing written.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import EngineError, ImageError
from .images import SAVE_FORMATS, load_image, save_image
from .param_spec import describe
from .params import ParamError, StyleParams, TrainParams
from .step import STOPPED_CONVERGED

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


# The argparse type of each kind of parameter (engine/param_spec.py) that takes a value.
_TYPES = {"int": int, "float": float, "numbers": float, "layers": _names, "sizes": _ints}


def _argument(spec) -> dict:
    """argparse keywords for one parameter, from its description alone."""
    if spec.kind == "bool":  # a switch; a default-on one is turned off (e.g. --single-scale)
        return {"action": "store_false" if spec.default else "store_true"}
    kwargs = {"metavar": spec.metavar or None}
    if spec.kind in _TYPES:
        kwargs["type"] = _TYPES[spec.kind]
    if spec.kind == "numbers":
        kwargs["nargs"] = "+"
    if spec.kind == "choice" and not spec.open_choices:
        kwargs["choices"], kwargs["metavar"] = spec.choices, None
    return kwargs


def _help(spec) -> str:
    default = spec.default
    if spec.kind == "bool":
        said = (f"Turns {spec.label.lower()} off, which is on by default: {spec.help[0].lower()}"
                f"{spec.help[1:]}" if default else spec.help)
    elif default in (None, ()):  # the help says what unset means
        said = spec.help
    else:
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        unit = f" {spec.unit}" if spec.unit else ""
        said = f"{spec.help} Default: {shown}{unit}."
    env = f" ${ENVIRONMENT[spec.name]} when not given." if spec.name in ENVIRONMENT else ""
    return (said + env).strip().replace("%", "%%")


def _add_options(cmd: argparse.ArgumentParser, params_class) -> None:
    """One option per parameter of `params_class`, generated from its description."""
    for spec in describe(params_class).values():
        # SUPPRESS: an option not given is absent, and the params class supplies its default.
        cmd.add_argument(spec.flag, dest=spec.name, default=argparse.SUPPRESS,
                         help=_help(spec), **_argument(spec))


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
    cmd.add_argument("--style-masks", metavar="MASK", nargs="+",
                     help="one grey image per STYLE, white where that style paints (any size, "
                          "stretched to CONTENT); 'none': that style paints everywhere. Where "
                          "no mask is white the photo stays (default: every style everywhere)")
    _add_options(cmd, StyleParams)

    cmd = commands.add_parser(
        "train", help="train an instant network for STYLE(s)",
        description="Train a feed-forward network that paints any photo like STYLE(s). A killed "
                    "run started again with the same command resumes from its checkpoint.")
    cmd.add_argument("styles", metavar="STYLE", nargs="+", help="the painting(s)")
    cmd.add_argument("--photos", metavar="DIR", required=True, help="folder of training photos")
    cmd.add_argument("-o", "--output", metavar="NET", required=True, help="the network file")
    cmd.add_argument("--sample-dir", metavar="DIR",
                     help="write a sample picture every --sample-every steps here (default: none)")
    _add_options(cmd, TrainParams)

    cmd = commands.add_parser("apply", help="paint PHOTO with an instant network",
                              description="Paint PHOTO with an instant network in one pass.")
    cmd.add_argument("network", metavar="NET", help="a network file made by train")
    cmd.add_argument("content", metavar="PHOTO", help="the photograph")
    cmd.add_argument("-o", "--output", metavar="OUT", required=True, help=".png, .jpg or .jpeg")
    cmd.add_argument("--size", type=int, metavar="PX", help="long side (default: the photo's)")
    cmd.add_argument("--device", metavar="DEV", default=argparse.SUPPRESS,
                     help=f"auto, cpu, cuda or cuda:N; default: auto, ${ENVIRONMENT['device']} "
                          "when set")
    return parser


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    args = vars(build_parser().parse_args(argv))
    environ = os.environ if environ is None else environ
    command = {"stylize": _stylize, "train": _train, "apply": _apply}[args["command"]]
    params_class = TrainParams if args["command"] == "train" else StyleParams
    try:
        return command(args, environ)
    except ParamError as error:
        spec = describe(params_class).get(error.name)
        return _fail(f"{spec.flag}: {error.message}" if spec else str(error))
    except EngineError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        said = ("the same command resumes from its last checkpoint" if args["command"] == "train"
                else "nothing written")
        print(f"\ninterrupted; {said}", file=sys.stderr)
        return 130


def _given(args: dict, environ: Mapping[str, str], params_class) -> dict:
    """The options given, plus the environment's stand-ins for those not given."""
    fields = {f.name for f in dataclasses.fields(params_class)}
    given = {k: v for k, v in args.items() if k in fields}
    for field, variable in ENVIRONMENT.items():
        if field in fields and field not in given and environ.get(variable):
            given[field] = environ[variable]
    return given


def _check_output(out: Path, formats=SAVE_FORMATS) -> str | None:
    """Why `out` cannot be written, or None."""
    if out.suffix.lower() not in formats:
        *most, last = formats
        return f"{out}: the output name must end in {', '.join(most)} or {last}"
    if not out.parent.is_dir():
        return f"{out}: folder {out.parent} does not exist"
    return None


def _stylize(args: dict, environ: Mapping[str, str]) -> int:
    from .loop import stylize  # torch loads here, not for --help or a usage error

    params = StyleParams.from_dict(_given(args, environ, StyleParams))
    out = Path(args["output"])
    if problem := _check_output(out):
        return _fail(problem)
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
    masks = None
    if args.get("style_masks") is not None:
        from .regions import check_masks, load_mask

        try:
            masks = check_masks([None if path.lower() == "none" else load_mask(path)
                                 for path in args["style_masks"]], len(styles))
        except ParamError as error:
            return _fail(f"--style-masks: {error.message}")
        except ImageError as error:
            return _fail(f"--style-masks: {error}")
    progress = _Progress(sys.stderr, "iteration")
    step = None
    for step in stylize(content, styles, params, style_masks=masks):
        progress.show(step.iteration, step.total, step.elapsed, step.remaining,
                      f"{step.scale}px  loss {step.losses['total']:.4g}")
        if snapshots is not None and step.image is not None and not step.is_last:
            save_image(step.image, snapshots / f"{out.stem}_{step.iteration:05d}{out.suffix}")
    progress.close()
    save_image(step.image, out)
    w, h = step.image.size
    losses = "  ".join(f"{k} {v:.4g}" for k, v in step.losses.items())
    why = ("the painting had converged" if step.stopped == STOPPED_CONVERGED
           else "the last of --iterations")
    print(f"wrote {out} ({w}x{h}) in {_clock(step.elapsed)}, seed {step.seed}; "
          f"stopped after iteration {step.iteration}: {why}")
    print(f"losses: {losses}")
    return 0


def _train(args: dict, environ: Mapping[str, str]) -> int:
    """Train, checkpointing beside the output (NET.ckpt); the same command resumes from it."""
    from .network import NetworkError, read_network_file, save_network
    from .training import load_photos, train

    params = TrainParams.from_dict(_given(args, environ, TrainParams))
    out = Path(args["output"])
    if problem := _check_output(out, (".pt", ".pth")):
        return _fail(problem)
    samples = Path(args["sample_dir"]) if args.get("sample_dir") else None
    if samples is not None and not samples.is_dir():
        return _fail(f"--sample-dir: folder {samples} does not exist")
    styles = [load_image(path) for path in args["styles"]]
    photos = load_photos(args["photos"])
    checkpoint = out.with_name(out.name + ".ckpt")
    resume = None
    if checkpoint.is_file():
        try:
            resume = read_network_file(checkpoint)
        except NetworkError as error:
            return _fail(f"{error}; delete it to start afresh")
        print(f"resuming from {checkpoint} (step {resume.get('step')})", file=sys.stderr)
    names = [Path(path).stem for path in args["styles"]]
    steps = train(styles, photos, params, style_names=names, resume=resume,
                  training_set=Path(args["photos"]).resolve().name)
    progress = _Progress(sys.stderr)
    for step in steps:
        progress.show(step.step, step.total, step.elapsed, step.remaining,
                      f"loss {step.losses['total']:.4g}")
        if samples is not None and step.sample is not None:
            save_image(step.sample, samples / f"{out.stem}_{step.step:06d}.png")
        if step.checkpoint is not None and not step.is_last:
            save_network(step.checkpoint, checkpoint)
    progress.close()
    save_network(step.network, out)
    checkpoint.unlink(missing_ok=True)
    losses = "  ".join(f"{k} {v:.4g}" for k, v in step.losses.items())
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) after {step.step} steps in "
          f"{_clock(step.elapsed)}, seed {step.seed}")
    print(f"last step's losses: {losses}")
    return 0


def _apply(args: dict, environ: Mapping[str, str]) -> int:
    from .device import resolve_device
    from .network import apply, load_network

    out = Path(args["output"])
    if problem := _check_output(out):
        return _fail(problem)
    device = resolve_device(args.get("device") or environ.get(ENVIRONMENT["device"]) or "auto")
    network, _ = load_network(args["network"])
    photo = load_image(args["content"])
    started = time.perf_counter()
    picture = apply(network, photo, args.get("size"), device=device)
    seconds = time.perf_counter() - started
    save_image(picture, out)
    w, h = picture.size
    print(f"wrote {out} ({w}x{h}) in {seconds:.2f} s")
    return 0


def _fail(message: str) -> int:
    print(f"python -m engine: error: {message}", file=sys.stderr)
    return USAGE_ERROR


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


class _Progress:
    """A bar redrawn in place on a terminal; a plain line every 5% (and the last) otherwise."""

    def __init__(self, stream, unit: str = "step"):
        self.stream, self.unit = stream, unit
        self.tty = stream.isatty()
        self.every, self.last_line = 0, time.monotonic()

    def show(self, done: int, total: int, elapsed: float, remaining: float, extra: str) -> None:
        text = f"{done}/{total}  {_clock(elapsed)} elapsed  {_clock(remaining)} left  {extra}"
        if self.tty:
            bar = round(30 * done / total)
            self.stream.write(f"\r[{'#' * bar}{'.' * (30 - bar)}] {text}  ")
        elif done == total or done % max(1, total // 20) == 0:
            self.stream.write(f"{self.unit} {text}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
