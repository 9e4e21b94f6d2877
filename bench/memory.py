"""Peak memory of a painting by size: the measurements behind engine/memory.py.

Each size runs in its own process (so each peak is its own): the process imports torch and the
engine, notes its resident memory, runs two L-BFGS iterations at one scale (the peak is the full
size's; coarse scales need less) and reports its peak resident memory. A straight line through
(pixels, peak - idle) is the per-pixel cost; the script prints it beside engine/memory.py's
estimate for each size, and the ratio of measured to estimated.

    .venv/bin/python bench/memory.py [--sizes 256,512,1024,1536] [--backbone vgg16]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def one(size: int, args) -> dict:
    from engine import StyleParams, stylize
    from engine.images import load_image

    idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    weights = str(SHARED / "weights/vgg16-imagenet-features.pth") if args.backbone == "vgg16" \
        else "random"
    params = StyleParams(size=size, iterations=2, exact_iterations=True, multi_scale=False,
                         backbone=args.backbone, weights=weights, device="cpu", seed=0,
                         snapshot_every=0, style_scale=args.style_scale)
    content = load_image(SHARED / "images/content/tubingen.jpg", max_side=size)
    style = load_image(SHARED / "images/style/starry_night.jpg")
    for step in stylize(content, [style], params):
        pass
    w, h = step.image.size
    return {"size": size, "pixels": w * h, "idle": idle,
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256,512,1024,1536")
    parser.add_argument("--backbone", default="vgg16", help="vgg19 runs on random weights")
    parser.add_argument("--style-scale", type=float, default=1.0)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args)))
        return
    from engine.memory import estimate_peak

    gib = 1024 ** 3
    rows = []
    print(f"{'size':>5} {'pixels':>9} {'idle GB':>8} {'peak GB':>8} {'run GB':>7} "
          f"{'estimate':>8} {'measured/est':>12}")
    for size in map(int, args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--one", str(size), *sys.argv[1:]]
        r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True)
                       .stdout.strip().splitlines()[-1])
        rows.append(r)
        run = r["peak"] - r["idle"]
        est = estimate_peak(r["pixels"], args.backbone, args.style_scale)
        print(f"{size:5} {r['pixels']:9} {r['idle'] / gib:8.2f} {r['peak'] / gib:8.2f} "
              f"{run / gib:7.2f} {est / gib:8.2f} {run / est:12.2f}", flush=True)
    if len(rows) > 1:  # least squares: run = fixed + per_pixel * pixels
        xs = [r["pixels"] for r in rows]
        ys = [r["peak"] - r["idle"] for r in rows]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        print(f"fit: {my - slope * mx:.0f} bytes + {slope:.0f} bytes per pixel "
              f"({args.backbone}, style scale {args.style_scale:g})")


if __name__ == "__main__":
    main()
