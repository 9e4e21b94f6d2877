"""How close an iteration gets to its floor: one forward+backward of the same truncated VGG.

For L-BFGS and Adam at 256 and 512 px (Tubingen, Starry Night, the real VGG16 weights unless
--weights/--backbone say otherwise) it prints seconds per iteration, the floor measured in the
same process, their ratio, and the peak RSS. Each configuration runs in its own subprocess so
each peak is its own. Aims (issue 3): ratio <= 1.15 for Adam, <= 1.3 for L-BFGS, peak RSS at
512 px under 2 GB (DESIGN.md: 1.05 and 1.2 GB).

    .venv/bin/python bench/engine_speed.py [--iterations 10] [--device cpu]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def one(optimizer: str, size: int, args) -> dict:
    """Runs in the subprocess: floor, then the engine, then the floor again."""
    import torch

    from engine import StyleParams, load_backbone, stylize
    from engine.images import load_image
    from engine.losses import content_weights, style_weights
    from engine.stylize import _deepest

    params = StyleParams(size=size, iterations=args.iterations, optimizer=optimizer,
                         backbone=args.backbone, weights=args.weights, device=args.device, seed=0)
    content = load_image(SHARED / "images/content/tubingen.jpg", max_side=size)
    style = load_image(SHARED / "images/style/starry_night.jpg", max_side=size)
    device = torch.device("cuda" if args.device == "cuda" else "cpu")
    net = load_backbone(params.backbone, params.weights, pooling=params.pooling, device=device,
                        last_layer=_deepest(params))
    layers = set(content_weights(params)) | set(style_weights(params))
    w, h = content.size

    def floor_once() -> float:
        x = torch.rand(1, 3, h, w, device=device, requires_grad=True)
        sync()
        t = time.perf_counter()
        sum(f.sum() for f in net(x, layers).values()).backward()
        sync()
        return time.perf_counter() - t

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    floor_once()  # warm-up
    floors = [floor_once() for _ in range(args.floor_runs)]
    elapsed = [step.elapsed for step in stylize(content, [style], params)]
    floors += [floor_once() for _ in range(args.floor_runs)]
    skip = 2  # the first steps: warm-up and L-BFGS's tiny first step
    per_iteration = (elapsed[-1] - elapsed[skip - 1]) / (len(elapsed) - skip)
    floor = statistics.median(floors)
    return {"optimizer": optimizer, "size": f"{w}x{h}", "s_per_it": per_iteration,
            "floor": floor, "ratio": per_iteration / floor,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--floor-runs", type=int, default=3)
    parser.add_argument("--sizes", default="256,512")
    parser.add_argument("--optimizers", default="lbfgs,adam")
    parser.add_argument("--backbone", default="vgg16")
    parser.add_argument("--weights", default=str(SHARED / "weights/vgg16-imagenet-features.pth"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--one", nargs=2, metavar=("OPTIMIZER", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]), args)))
        return
    print(f"{'optimizer':9} {'size':>8} {'s/iter':>8} {'floor s':>8} {'ratio':>6} {'peak RSS':>9}")
    for optimizer in args.optimizers.split(","):
        for size in args.sizes.split(","):
            cmd = [sys.executable, __file__, "--one", optimizer, size, *sys.argv[1:]]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{r['optimizer']:9} {r['size']:>8} {r['s_per_it']:8.3f} {r['floor']:8.3f} "
                  f"{r['ratio']:6.2f} {r['peak_rss_mb']:7.0f} MB", flush=True)
    print(f"(device {args.device}, {r['threads']} threads, {args.backbone}, "
          f"{args.iterations} iterations per run)")


if __name__ == "__main__":
    main()
