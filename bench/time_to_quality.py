"""Time to a finished painting: today's defaults against the old ones (300 iterations, one scale).

For each size (512 and 1024 px by default): Tubingen in the style of The Starry Night on the
real VGG16 weights, once with `StyleParams()`'s defaults (multi-scale, stopping once converged)
and once with the old defaults (exactly 300 L-BFGS iterations at full size, style weight 20).
Each run prints its wall time, iterations (per scale), why it stopped, the judge's style and
content distances (bench/judge.py), and how far its remaining-time estimate strayed from the
truth once a tenth of the run had passed. Then the new default against the old: time ratio and
distance ratios beside the aims (issue 10: a quarter of the time, style within 10%, content
within 20%). The pictures go to --out.

    .venv/bin/python bench/time_to_quality.py [--sizes 512,1024] [--out bench/out] [--new-only]

Each run's steps (scale, total loss, elapsed and remaining seconds) go to
time_to_quality_<size>_<new|old>.json in --out, to study the remaining-time estimate.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from judge import SHARED, VGG16_WEIGHTS, Judge  # noqa: E402

from engine import StyleParams, stylize  # noqa: E402
from engine.images import load_image, save_image  # noqa: E402

# The defaults before engine 1.1, with what has changed since pinned.
OLD_DEFAULTS = dict(iterations=300, exact_iterations=True, multi_scale=False, style_weight=20.0)


def run(content, style, params) -> dict:
    """One painting: its time, steps per scale, stop reason, last image and worst estimate."""
    started = time.perf_counter()
    per_scale: dict[int, int] = {}
    estimates = []  # (elapsed, elapsed + remaining)
    trace = []
    for step in stylize(content, [style], params):
        per_scale[step.scale] = per_scale.get(step.scale, 0) + 1
        estimates.append((step.elapsed, step.elapsed + step.remaining))
        trace.append({"scale": step.scale, "loss": step.losses["total"],
                      "elapsed": step.elapsed, "remaining": step.remaining})
    seconds = time.perf_counter() - started
    truth = step.elapsed
    swing = max((abs(total - truth) / truth for elapsed, total in estimates
                 if elapsed >= 0.1 * truth), default=0.0)
    return {"seconds": seconds, "iterations": step.iteration, "per_scale": per_scale,
            "stopped": step.stopped, "image": step.image, "swing": swing, "trace": trace}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="512,1024")
    parser.add_argument("--photo", default=str(SHARED / "images/content/tubingen.jpg"))
    parser.add_argument("--style", default=str(SHARED / "images/style/starry_night.jpg"))
    parser.add_argument("--out", default=str(ROOT / "bench/out"))
    parser.add_argument("--new-only", action="store_true", help="skip the old defaults' run")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    judge = Judge()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"{Path(args.photo).name} after {Path(args.style).name}, VGG16", flush=True)
    for size in map(int, args.sizes.split(",")):
        content = load_image(args.photo, max_side=size)
        style = load_image(args.style, max_side=size)
        base = dict(size=size, backbone="vgg16", weights=str(VGG16_WEIGHTS), device="cpu",
                    seed=0, snapshot_every=0)
        results = {}
        runs = [("new default", StyleParams(**base))]
        if not args.new_only:
            runs.append(("old default", StyleParams(**base, **OLD_DEFAULTS)))
        for name, params in runs:
            r = results[name] = run(content, style, params)
            r.update(judge.distances(r["image"], content, [style]))
            stem = f"time_to_quality_{size}_{name.split()[0]}"
            save_image(r["image"], out / f"{stem}.png")
            (out / f"{stem}.json").write_text(json.dumps(r["trace"]))
            scales = ", ".join(f"{k}: {v}" for k, v in r["per_scale"].items())
            print(f"{size:5} px {name:11} {r['seconds']:7.1f} s  {r['iterations']:3} iterations "
                  f"({scales}; {r['stopped']})  style {r['style']:.4f}  content {r['content']:.3f}  "
                  f"estimate strayed {100 * r['swing']:.0f}%", flush=True)
        if args.new_only:
            continue
        new, old = results["new default"], results["old default"]
        print(f"{size:5} px new/old: time {new['seconds'] / old['seconds']:.2f} (aim <= 0.25), "
              f"style {new['style'] / old['style']:.2f} (aim <= 1.10), "
              f"content {new['content'] / old['content']:.2f} (aim <= 1.20); "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)
    print(f"pictures in {out}")


if __name__ == "__main__":
    main()
