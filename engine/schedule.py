"""How a run's iterations are laid out over its scales, and how much work it will be.

Torch-free: the gallery estimates a job's time (and the worker its memory) from these before
anything is loaded. Work is counted in pixel-iterations: an iteration costs in proportion to
the pixels of its scale (a 128 px one about 1/16 of a 512 px one).
"""
from __future__ import annotations

import math

from .convergence import EXPECTED_ITERATIONS
from .layers import min_side
from .params import ParamError, StyleParams
from .weighting import deepest_layer

# The full size's share of a multi-scale run's time (see `plan`). Measured with
# bench/engine_quality.py (512 px, 128 -> 256 -> 512, the time of 60 single-scale iterations):
# 2/3 and 1/2 left the content loss high; 5/6 had the lowest total.
FINAL_TIME_SHARE = 5 / 6


def plan(params: StyleParams) -> list[tuple[int, int, int]]:
    """(long side, first iteration, last iteration) of each scale, 1-based and inclusive.

    These are the exact spans when `exact_iterations` is set, and each scale's upper bound
    otherwise (a converging run moves on when a scale has converged, and the full size gets
    whatever the coarse scales left over). Iterations are shared by time, not by count: the
    full size gets `FINAL_TIME_SHARE` of the run's time, enough for L-BFGS to put the fine
    texture on the upscaled picture; the coarser scales share the rest of the time equally, so
    the cheap ones get many iterations (128, 256, 512 px with 300 iterations: 160, 40 and 100,
    in two fifths of the time of 300 at 512 px). Every scale gets at least one iteration.
    """
    schedule = params.schedule
    if len(schedule) == 1:
        return [(schedule[0], 1, params.iterations)]
    cost = [(s / params.size) ** 2 for s in schedule]  # per iteration, in full-size iterations
    coarse_share = (1 - FINAL_TIME_SHARE) / (len(schedule) - 1)
    shares = [coarse_share / c for c in cost[:-1]] + [FINAL_TIME_SHARE]  # iterations per time
    ideal = [params.iterations * x / sum(shares) for x in shares]
    counts = [max(1, math.floor(x)) for x in ideal]
    # Largest remainders first, finest scale first on ties; take back from the largest counts
    # if the minimum of one each overshot.
    order = sorted(range(len(ideal)), key=lambda i: (counts[i] - ideal[i], -i))
    while sum(counts) < params.iterations:
        i = order.pop(0) if order else len(counts) - 1
        counts[i] += 1
    while sum(counts) > params.iterations:
        counts[counts.index(max(counts))] -= 1
    out, first = [], 1
    for scale, n in zip(schedule, counts):
        out.append((scale, first, first + n - 1))
        first += n
    return out


def check_sizes(size_wh: tuple[int, int], params: StyleParams) -> None:
    """ParamError when the image, at some scale of the run, is too thin for the network: the
    deepest layer in use needs a few pixels on each side (16 for relu5_1). Torch-free, so the
    site refuses such a job when it is asked for, not minutes later on the worker."""
    need = min_side(deepest_layer(params))
    for size, _, _ in plan(params):
        w, h = dims(size_wh, size)
        if min(w, h) < need:
            raise ParamError("scales" if size < params.size else "size",
                             f"at {size} px the picture is {w}x{h} px and the network needs at "
                             f"least {need} px on each side: choose a larger size, or a photo "
                             "that is less long and thin")


def dims(size_wh: tuple[int, int], long_side: int) -> tuple[int, int]:
    """(width, height) of an image of `size_wh` with its long side at `long_side`, rounded as
    `images.resize_long_side` rounds."""
    w, h = size_wh
    k = long_side / max(w, h)
    return max(1, round(w * k)), max(1, round(h * k))


def pixels(size_wh: tuple[int, int], long_side: int) -> int:
    w, h = dims(size_wh, long_side)
    return w * h


def expected_work(size_wh: tuple[int, int], params: StyleParams) -> float:
    """Megapixel-iterations a run of a photo of `size_wh` is expected to take: every planned
    iteration when the count is exact, else what a scale usually takes to converge."""
    spans = plan(params)
    work = 0.0
    for size, first, last in spans:
        n = last - first + 1
        if not params.exact_iterations:  # the full size may have what coarse scales left
            n = min(EXPECTED_ITERATIONS, n if size != params.size else params.iterations)
        work += n * pixels(size_wh, size) / 1e6
    return work
