"""How an iteration compares with its floor: one forward+backward of the truncated VGG in plain
PyTorch.

For L-BFGS and Adam at 256 and 512 px (Tubingen, Starry Night, the real VGG16 weights unless
--weights/--backbone say otherwise) it prints seconds per iteration, the floor measured in the
same process (interleaved with the iterations), their ratio, the peak RSS and the load
average. Each configuration runs in its own subprocess so each peak is its own. The floor is
plain PyTorch: torchvision's layers in the default memory layout, as anyone would write it; the
engine's channels_last layout and its own backward passes for the losses are what may take it
under. Aims (issue 10): ratio <= 1.0, and a peak resident memory at 512 px under 1.2 GB.

    .venv/bin/python bench/engine_speed.py [--iterations 10] [--device cpu]
"""
from __future__ import annotations

import argparse
import copy
import json
import os
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
    """Runs in the subprocess: engine iterations interleaved with floor passes.

    The floor is one forward+backward of the same truncated network at the same size, in plain
    PyTorch (its layers with copies of the weights in the default layout, the ImageNet
    normalization first), from a fresh image that needs its gradient, with a trivial loss (the
    sum) on the deepest layer only: no losses, no gradients joining at shallower layers. Each
    engine iteration is timed as the `next()` that produces its Step, and a floor pass runs
    right after it, so both see the same machine load; the ratio is the median of the pairs'
    ratios. The peak memory is read before the first floor pass.
    """
    import torch

    from engine import StyleParams, load_backbone, stylize
    from engine.images import load_image
    from engine.loop import LBFGS_HISTORY
    from engine.weighting import deepest_layer

    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    params = StyleParams(size=size, iterations=args.iterations + LBFGS_HISTORY + 2,
                         optimizer=optimizer, exact_iterations=True, multi_scale=False,
                         backbone=args.backbone, weights=args.weights, device=args.device, seed=0,
                         snapshot_every=0)
    content = load_image(SHARED / "images/content/tubingen.jpg", max_side=size)
    style = load_image(SHARED / "images/style/starry_night.jpg", max_side=size)
    device = torch.device("cuda" if args.device == "cuda" else "cpu")
    deepest = deepest_layer(params)
    net = load_backbone(params.backbone, params.weights, pooling=params.pooling, device=device,
                        last_layer=deepest)
    w, h = content.size

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    steps = stylize(content, [style], params)
    # First the engine alone, long enough to fill L-BFGS's history: the peak memory is the
    # engine's (the floor's copy of the network and its activations would add theirs).
    for _ in range(LBFGS_HISTORY + 2):
        next(steps)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    plain = copy.deepcopy(torch.nn.Sequential(*net.layers[: net.index[deepest] + 1]))
    for p in plain.parameters():
        p.data = p.data.contiguous()  # the default layout, as torchvision leaves it
    mean, std = net.mean, net.std

    def floor_once() -> float:
        x = torch.rand(1, 3, h, w, device=device, requires_grad=True)
        sync()
        t = time.perf_counter()
        plain((x - mean) / std).sum().backward()
        sync()
        return time.perf_counter() - t

    iterations, floors = [], []
    for i in range(args.iterations):
        sync()
        t = time.perf_counter()
        next(steps)  # the Step's losses are Python floats: the iteration has finished
        iterations.append(time.perf_counter() - t)
        floors.append(floor_once())
    return {"optimizer": optimizer, "size": f"{w}x{h}", "s_per_it": statistics.median(iterations),
            "floor": statistics.median(floors),
            "ratio": statistics.median(a / b for a, b in zip(iterations, floors)),
            "peak_rss_mb": peak,
            "rss_import_mb": rss_import, "threads": torch.get_num_threads(),
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
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
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    print(f"{'optimizer':9} {'size':>8} {'s/iter':>8} {'floor s':>8} {'ratio':>6} {'peak RSS':>9} "
          f"{'(torch)':>8} {'load':>5}")
    for optimizer in args.optimizers.split(","):
        for size in args.sizes.split(","):
            cmd = [sys.executable, __file__, "--one", optimizer, size, *sys.argv[1:]]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{r['optimizer']:9} {r['size']:>8} {r['s_per_it']:8.3f} {r['floor']:8.3f} "
                  f"{r['ratio']:6.2f} {r['peak_rss_mb']:6.0f} MB {r['rss_import_mb']:5.0f} MB "
                  f"{r['load']:5.2f}", flush=True)
    print(f"(device {args.device}, {r['threads']} threads, {args.backbone}, "
          f"{args.iterations} iterations per run; s/iter and floor are medians, ratio the median "
          f"of per-iteration ratios; (torch): RSS after importing torch and the engine)")


if __name__ == "__main__":
    main()
