"""Instant (feed-forward) networks: apply time, training time and quality against a full painting.

1. Apply: the median time of `network.apply` on the Tubingen photo at each long side, for each
   architecture asked for (random weights: the time does not depend on them), interleaved with
   one no-grad forward pass of VGG16 cut at relu4_3 on the same picture; ratio apply / VGG.
   Aim (DESIGN.md): about a second at 512 px on two cores.
2. Training: the median seconds of a `train()` step against one forward+backward of the same
   backbone, cut at the deepest training layer, on a batch of the same shape (the sum of the
   deepest layer as the loss), interleaved. Aim: at most 1.5x.
3. Quality: each network in --networks paints each test photo (none of them in its training
   set), and `stylize()` paints the same photo with the same painting(s) (default StyleParams,
   VGG16, --full-iterations); both are judged, with their times. A contact sheet goes to --out.

The judge (DESIGN.md, "Bars"): style distance, the mean over relu1_1..relu5_1 of VGG16 of the
relative Gram error against the painting at the picture's long side, and content distance, the
relative relu4_2 error against the photo. Both use the engine's own loss modules, so "relative
error" means what it means in engine/losses.py: ||x - t||^2 / ||t||^2.

    .venv/bin/python bench/instant.py [--quick] [--skip-training] [--skip-quality]
        [--widths 16,32 --blocks 3,5] [--networks DIR] [--full-iterations 100]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from PIL import Image  # noqa: E402

from engine import StyleParams, load_backbone, stylize  # noqa: E402
from engine.device import resolve_device  # noqa: E402
from engine.images import load_image, resize_long_side, resize_to, to_tensor  # noqa: E402
from engine.losses import ContentLoss, StyleLoss  # noqa: E402
from engine.network import (DEFAULT_BLOCKS, DEFAULT_WIDTH, TransformerNet, apply,  # noqa: E402
                            load_network)
from engine.params import TrainParams  # noqa: E402
from engine.weighting import deepest_layer, normalized  # noqa: E402
from engine.training import load_photos, train  # noqa: E402

TRAIN_DEFAULTS = TrainParams()
# The judge's layers are fixed here, not read from StyleParams: a yardstick must not move when
# the engine's defaults do.
JUDGE_STYLE = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
JUDGE_CONTENT = "relu4_2"
# What --quick changes; an option given on the command line still wins.
QUICK = {"sizes": "64,128", "repeats": 2, "train_size": 64, "batch": 1, "steps": 2,
         "size": 128, "full_iterations": 5, "max_photos": 1, "max_networks": 1}


def median_time(fn, repeats: int) -> tuple[float, object]:
    """The median seconds of `repeats` calls of `fn` after one warm-up call, and its result."""
    result = fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def apply_times(args) -> None:
    photo = load_image(SHARED / "images/content/tubingen.jpg", max_side=max(args.sizes))
    vgg = load_backbone("vgg16", args.weights, last_layer="relu4_3")
    print(f"\n1. apply time (median of {args.repeats} after a warm-up, random weights) "
          f"against one VGG16 forward to relu4_3")
    print(f"{'size':>5} {'picture':>9} {'width':>5} {'blocks':>6} {'apply s':>8} {'VGG s':>7} "
          f"{'ratio':>6}")
    for size in args.sizes:
        image = resize_long_side(photo, size)  # apply's own resize is then a copy
        x = to_tensor(image).unsqueeze(0)  # (1, 3, H, W)
        for width, blocks in product(args.widths, args.blocks):
            torch.manual_seed(0)
            net = TransformerNet(width, blocks).eval()
            applies, forwards = [], []
            for _ in range(args.repeats + 1):  # the first pair is the warm-up
                t = time.perf_counter()
                apply(net, image, size)
                applies.append(time.perf_counter() - t)
                t = time.perf_counter()
                with torch.no_grad():
                    vgg(x, {"relu4_3"})
                forwards.append(time.perf_counter() - t)
            a, f = statistics.median(applies[1:]), statistics.median(forwards[1:])
            print(f"{size:5} {image.size[0]:>4}x{image.size[1]:<4} {width:5} {blocks:6} "
                  f"{a:8.3f} {f:7.3f} {a / f:6.2f}", flush=True)


def training_time(args) -> None:
    params = TrainParams(size=args.train_size, batch=args.batch, steps=args.steps + 3,
                         backbone="vgg16", weights=args.weights, device="cpu", seed=0,
                         sample_every=0, checkpoint_every=0)
    deepest = deepest_layer(params)  # the same cut `train()` makes
    backbone = load_backbone("vgg16", args.weights, pooling=params.pooling, last_layer=deepest)
    style = load_image(SHARED / "images/style/starry_night.jpg", max_side=1024)
    steps = train([style], load_photos(args.photos), params)

    def floor() -> float:
        x = torch.rand(params.batch, 3, params.size, params.size, requires_grad=True)
        t = time.perf_counter()
        backbone(x, {deepest})[deepest].sum().backward()
        return time.perf_counter() - t

    times, floors = [], []
    for _ in range(params.steps - 1):  # the last step also makes a sample and the files
        t = time.perf_counter()
        next(steps)  # the step's losses are Python floats: it has finished
        times.append(time.perf_counter() - t)
        floors.append(floor())
    steps.close()
    s, f = times[2:], floors[2:]  # the first steps build the targets and warm up
    print(f"\n2. training step (median of {len(s)} after 2 warm-up steps) against one VGG16 "
          f"forward+backward to {deepest} on the same batch")
    print(f"{'size':>5} {'batch':>5} {'width':>5} {'blocks':>6} {'step s':>7} {'VGG f+b s':>9} "
          f"{'ratio':>6}")
    print(f"{params.size:5} {params.batch:5} {params.width:5} {params.blocks:6} "
          f"{statistics.median(s):7.3f} {statistics.median(f):9.3f} "
          f"{statistics.median(a / b for a, b in zip(s, f)):6.2f}   (aim: ratio <= 1.5)")


@torch.no_grad()
def judge(image: Image.Image, photo: Image.Image, paintings: list[Image.Image],
          blend, weights: str) -> tuple[float, float]:
    """(style distance, content distance) of `image`; see the module's docstring."""
    net = load_backbone("vgg16", weights, last_layer="relu5_1")
    layers = {*JUDGE_STYLE, JUDGE_CONTENT}
    w, h = image.size

    def features(picture: Image.Image) -> dict[str, torch.Tensor]:
        return net(to_tensor(picture).unsqueeze(0), layers)

    x = features(image)
    styles = [features(resize_long_side(p, max(w, h))) for p in paintings]
    shares = normalized(blend, len(paintings))
    style = statistics.mean(
        StyleLoss.blended([s[layer] for s in styles], shares)(x[layer]).item()
        for layer in JUDGE_STYLE)
    content = ContentLoss(features(resize_to(photo, (h, w)))[JUDGE_CONTENT])(x[JUDGE_CONTENT])
    return style, content.item()


def full_painting(photo, paintings, blend, args) -> tuple[Image.Image, float]:
    params = StyleParams(size=args.size, iterations=args.full_iterations, backbone="vgg16",
                         weights=args.weights, device="cpu", seed=0, snapshot_every=0,
                         style_blend_weights=tuple(blend) if blend else None)
    t = time.perf_counter()
    *_, last = stylize(photo, paintings, params)
    return last.image, time.perf_counter() - t


def quality(args) -> None:
    files = sorted(Path(args.networks).glob("*.pt"))[: args.max_networks]
    print(f"\n3. quality at {args.size} px on the photos in {args.test_photos}: instant network "
          f"against a full painting ({args.full_iterations} L-BFGS iterations, VGG16)")
    if not files:
        print(f"no network files (*.pt) in {args.networks}: skipped")
        return
    photos = {p.stem: load_image(p, max_side=args.size) for p in sorted(Path(args.test_photos)
              .iterdir()) if p.suffix.lower() in (".jpg", ".jpeg", ".png")}
    photos = dict(list(photos.items())[: args.max_photos])
    print(f"{'network':30} {'photo':10} {'instant s':>9} {'style':>7} {'content':>7} "
          f"{'full s':>7} {'style':>7} {'content':>7}")
    sheet, full_cache = [], {}
    for file in files:
        net, record = load_network(file)
        themes = ROOT / "gallery/themes"
        names, blend = record.get("styles") or [], record.get("style_blend_weights")
        missing = [n for n in names if not (themes / f"{n}.jpg").is_file()]
        if not names or missing:
            print(f"{file.name:30} skipped: no painting {', '.join(missing) or '(no styles)'} "
                  f"in {themes}")
            continue
        paintings = [load_image(themes / f"{n}.jpg", max_side=1024) for n in names]
        for stem, photo in photos.items():
            seconds, instant = median_time(lambda: apply(net, photo, args.size), args.repeats)
            key = (tuple(names), tuple(blend or ()), stem)
            if key not in full_cache:  # two networks of the same painting share its full run
                full_cache[key] = full_painting(photo, paintings, blend, args)
            full, full_seconds = full_cache[key]
            si, ci = judge(instant, photo, paintings, blend, args.weights)
            sf, cf = judge(full, photo, paintings, blend, args.weights)
            print(f"{file.name:30} {stem:10} {seconds:9.3f} {si:7.4f} {ci:7.4f} "
                  f"{full_seconds:7.1f} {sf:7.4f} {cf:7.4f}", flush=True)
            sheet.append((photo, instant, full))
    if sheet:
        path = contact_sheet(sheet, Path(args.out) / "instant_sheet.png")
        print(f"contact sheet (rows in table order; photo, instant, full): {path}")


def contact_sheet(rows, path: Path, cell: int = 256) -> Path:
    out = Image.new("RGB", (3 * cell, len(rows) * cell), "white")
    for i, row in enumerate(rows):
        for j, picture in enumerate(row):
            thumb = resize_long_side(picture, cell)
            out.paste(thumb, (j * cell + (cell - thumb.width) // 2,
                              i * cell + (cell - thumb.height) // 2))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(path)
    return path


def numbers(text: str) -> list[int]:
    return [int(s) for s in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few repeats: a smoke test of every section")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--weights", default=str(SHARED / "weights/vgg16-imagenet-features.pth"))
    parser.add_argument("--repeats", type=int, default=5, help="timed runs after a warm-up")
    parser.add_argument("--sizes", type=numbers, default="256,512,1024",
                        help="long sides for the apply time")
    parser.add_argument("--widths", type=numbers, default=str(DEFAULT_WIDTH))
    parser.add_argument("--blocks", type=numbers, default=str(DEFAULT_BLOCKS))
    parser.add_argument("--train-size", type=int, default=TRAIN_DEFAULTS.size)
    parser.add_argument("--batch", type=int, default=TRAIN_DEFAULTS.batch)
    parser.add_argument("--steps", type=int, default=10, help="timed training steps")
    parser.add_argument("--photos", default=str(SHARED / "images/content"),
                        help="training photos for the step time")
    parser.add_argument("--networks", default=str(ROOT / "gallery/themes/networks"),
                        help="folder of network files (*.pt) to judge")
    parser.add_argument("--test-photos", default=str(SHARED / "images/content"),
                        help="photos the networks were not trained on")
    parser.add_argument("--size", type=int, default=512, help="long side for the quality")
    parser.add_argument("--full-iterations", type=int, default=100)
    parser.add_argument("--max-photos", type=int, default=None)
    parser.add_argument("--max-networks", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "bench/out"))
    args = parser.parse_args()
    if args.quick:
        parser.set_defaults(**QUICK)
        args = parser.parse_args()

    resolve_device("cpu")  # the engine's threads: every core we may use
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}, VGG16 weights {Path(args.weights).name}")
    started = time.perf_counter()
    apply_times(args)
    if not args.skip_training:
        training_time(args)
    if not args.skip_quality:
        quality(args)
    print(f"\n{time.perf_counter() - started:.0f} s in all; load average now "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
