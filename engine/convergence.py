"""When a painting is done: the loss has stopped falling, and when that will be.

The losses are relative errors (engine/losses.py: each term is divided by its target's squared
norm, Gram matrices by C*H*W), so the total loss means the same per pixel at every size and
scale, and so does its relative fall: one tolerance serves a 128 px coarse scale and a 1536 px
result alike.

Measured on L-BFGS runs (Tubingen and The Starry Night, 128 -> 256 -> 512 px, VGG16): the mean
relative fall per iteration over the last ten iterations decays like a power of the scale's
iteration count (0.04 after 20, 0.0076 after 40, 0.0037 after 60 at 512 px), so a straight line
through its logarithms predicts when it will cross the tolerance; that gives the remaining time
before the run has stopped.
"""
from __future__ import annotations

import math

# Iterations over which the fall is averaged: L-BFGS's loss wobbles from one step to the next.
WINDOW = 10
# Points of the fall curve the prediction fits: the latest, where the power law holds best,
# and at least MIN_FIT_POINTS of them (fewer, right after the scale's first steep drop, predict
# wildly). Replayed over recorded runs (bench/time_to_quality.py's traces; the worst stray of
# elapsed + remaining from the truth once a tenth of the run had passed): 8 points trusted in
# proportion to their count strayed 166% at 1024 px (a young fit at the full size foresaw 131
# iterations of 47); 12 points, trusted a quarter at the first fit and fully at FIT_POINTS,
# 14% (512 px: 11%, and 28% on Chicago after The Scream).
FIT_POINTS = 15
MIN_FIT_POINTS = 12
# Iterations a scale takes to converge at the default tolerance, until its own losses say
# better (measured at 128 and 512 px with the default weights: 43 and 44).
EXPECTED_ITERATIONS = 45


class Convergence:
    """The losses of one scale, one per iteration: whether it has converged, and when it will."""

    def __init__(self, tolerance: float):
        self.tolerance = tolerance
        self.losses: list[float] = []

    def add(self, loss: float) -> None:
        self.losses.append(loss)

    def fall(self, k: int | None = None) -> float | None:
        """Mean relative fall per iteration over the WINDOW iterations up to the k-th (1-based)."""
        k = len(self.losses) if k is None else k
        if k <= WINDOW:
            return None
        before, now = self.losses[k - 1 - WINDOW], self.losses[k - 1]
        return (before - now) / (WINDOW * max(abs(now), 1e-12))

    @property
    def converged(self) -> bool:
        fall = self.fall()
        return fall is not None and fall < self.tolerance

    def expected_iterations(self, cap: int) -> int:
        """How many iterations this scale will have run when it stops, at most `cap`.

        Before MIN_FIT_POINTS falls: EXPECTED_ITERATIONS. Then a least-squares line through
        (log k, log fall) over the latest points, extrapolated to the tolerance and weighed
        against EXPECTED_ITERATIONS, a quarter at its first fit and fully once FIT_POINTS back
        it; a fall that is not shrinking predicts one more window.
        """
        done = len(self.losses)
        if self.converged:
            return done
        points = [(k, self.fall(k)) for k in range(max(WINDOW + 1, done - FIT_POINTS + 1), done + 1)]
        # A window's mean fall is the rate at its middle, k - WINDOW / 2: fitted there, the
        # line does not mistake the steep start of the window for the curve's slope.
        middle = WINDOW / 2
        points = [(math.log(k - middle), math.log(f)) for k, f in points if f is not None and f > 0]
        if len(points) < MIN_FIT_POINTS:
            return int(min(cap, max(done + 1, EXPECTED_ITERATIONS)))
        slope, intercept = _line(points)
        if slope >= -0.1:  # not shrinking: one more window
            return int(min(cap, done + WINDOW))
        fitted = math.exp((math.log(self.tolerance) - intercept) / slope) + middle
        # Trusted as the points behind it grow: a young fit leans on the usual count.
        trust = (len(points) - MIN_FIT_POINTS + 1) / (FIT_POINTS - MIN_FIT_POINTS + 1)
        guess = trust * fitted + (1 - trust) * EXPECTED_ITERATIONS
        return int(min(cap, max(done + 1, math.ceil(guess))))


def _line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope and intercept of (x, y) points."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    slope = sxy / sxx if sxx else 0.0
    return slope, my - slope * mx
