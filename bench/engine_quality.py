"""512 px in one scale against the coarse-to-fine schedule 128 -> 256 -> 512, same time budget.

The single-scale run goes first and sets the budget; the multi-scale run gets as many iterations
as a pixel-proportional estimate says fit in 90% of it, and is stopped at the budget if it
overruns.
Both final images are then scored by the same 512 px objective (content, style, tv, total) and
by the judge (bench/judge.py: style and content distance), so the figures compare like with
like. Both run exact iteration counts. Tubingen, Starry Night, the real VGG16 weights, L-BFGS.

    .venv/bin/python bench/engine_quality.py [--iterations 60] [--out bench/out]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import torch  # noqa: E402

from judge import Judge  # noqa: E402

from engine import StyleParams, load_backbone, stylize  # noqa: E402
from engine.images import load_image, save_image, to_tensor  # noqa: E402
from engine.loop import _objective  # noqa: E402
from engine.weighting import deepest_layer  # noqa: E402
from engine.schedule import plan  # noqa: E402


def run(content, style, params, budget: float | None):
    """The last image and its time; stops at `budget` seconds if given."""
    image, started = None, time.perf_counter()
    per_scale: dict[int, int] = {}
    for step in stylize(content, [style], params):
        per_scale[step.scale] = per_scale.get(step.scale, 0) + 1
        if step.image is not None and step.scale == params.size:
            image = step.image
        if budget is not None and time.perf_counter() - started >= budget and image is not None:
            break
    return image, time.perf_counter() - started, per_scale


@torch.no_grad()
def score(image, content, style, params) -> dict[str, float]:
    net = load_backbone(params.backbone, params.weights, pooling=params.pooling, device="cpu",
                        last_layer=deepest_layer(params))
    c = to_tensor(content).unsqueeze(0)  # (1, 3, H, W)
    objective = _objective(net, c, [style], params, params.size, "cpu")
    x = to_tensor(image).unsqueeze(0)
    terms = {k: float(v) for k, v in objective(x, net(x, objective.layers)).items()}
    return {**terms, "total": sum(terms.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=60, help="of the single-scale run")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--scales", default="128,256")
    parser.add_argument("--weights", default=str(SHARED / "weights/vgg16-imagenet-features.pth"))
    parser.add_argument("--out", default=str(ROOT / "bench/out"))
    args = parser.parse_args()
    base = StyleParams(size=args.size, iterations=args.iterations, backbone="vgg16",
                       weights=args.weights, device="cpu", seed=0, exact_iterations=True,
                       multi_scale=False)
    content = load_image(SHARED / "images/content/tubingen.jpg", max_side=args.size)
    style = load_image(SHARED / "images/style/starry_night.jpg", max_side=args.size)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    single, budget, _ = run(content, style, base, None)
    scales = tuple(int(s) for s in args.scales.split(","))
    # The most iterations whose cost, counted in full-size iterations (time ~ pixels), fits
    # in 90% of the budget: coarse iterations cost a little more than their pixels say.
    def cost(n: int) -> float:
        p = base.replace(multi_scale=True, scales=scales, iterations=n)
        return sum((last - first + 1) * (s / args.size) ** 2 for s, first, last in plan(p))

    n = max(len(scales) + 1, args.iterations)
    while cost(n + 1) <= 0.9 * args.iterations:
        n += 1
    multi_params = base.replace(multi_scale=True, scales=scales, iterations=n, snapshot_every=1)
    multi, spent, per_scale = run(content, style, multi_params, budget)

    print(f"budget: {budget:.0f} s ({args.iterations} L-BFGS iterations at {args.size} px); "
          f"load average {os.getloadavg()[0]:.2f}")
    scores, judge = {}, Judge(args.weights)
    for name, image, seconds, detail in [
        ("single-scale", single, budget, f"{args.size}: {args.iterations}"),
        ("multi-scale", multi, spent, ", ".join(f"{k}: {v}" for k, v in per_scale.items())),
    ]:
        s = scores[name] = score(image, content, style, base)
        d = judge.distances(image, content, [style])
        save_image(image, out / f"quality_{name}.png")
        print(f"{name:13} {seconds:6.0f} s  content {s['content']:.4f}  style {s['style']:.4f}  "
              f"tv {s['tv']:.4f}  total {s['total']:.4f}  judged: style {d['style']:.4f}  "
              f"content {d['content']:.3f}  (iterations {detail})")
    for kind in ("style", "total"):
        a, b = scores["single-scale"][kind], scores["multi-scale"][kind]
        winner = "multi-scale" if b < a else "single-scale"
        print(f"{kind} loss: {winner} wins ({min(a, b):.4f} vs {max(a, b):.4f}, "
              f"{100 * (max(a, b) - min(a, b)) / max(a, b):.0f}% lower)")
    print(f"images in {out}")


if __name__ == "__main__":
    main()
