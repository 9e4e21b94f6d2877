"""The record `stylize()` yields once per iteration: everything a caller needs to show progress."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from PIL import Image

# Why a run stopped, on its last Step.
STOPPED_CONVERGED = "converged"  # the loss had stopped falling (see engine/convergence.py)
STOPPED_ITERATIONS = "iterations"  # it ran the iterations asked for (the upper bound)


@dataclass(frozen=True)
class Step:
    iteration: int  # 1-based, counted over all scales (a resumed run continues the count)
    total: int  # params.iterations: the upper bound (the exact count with exact_iterations)
    losses: Mapping[str, float]  # weighted "content", "style", "tv" and their "total"
    elapsed: float  # seconds since this run started
    remaining: float  # estimated seconds to the last step
    scale: int  # long side in px of the scale being optimised
    seed: int  # the seed in use (drawn by the engine when params.seed is None)
    image: Image.Image | None = field(default=None, repr=False)  # snapshot steps and the last
    stopped: str | None = None  # on the last Step only: STOPPED_CONVERGED or STOPPED_ITERATIONS
    # On the last Step only: the image before any colour recombination (params.preserve_colors),
    # for colour post-steps made later (engine.color.recolor); `image` when there is none.
    raw: Image.Image | None = field(default=None, repr=False)
    # The run's exact state after this step, as bytes for stylize(resume=...) (engine/state.py);
    # call it before asking for the next step, which changes what it would save.
    state: Callable[[], bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def is_last(self) -> bool:
        return self.stopped is not None
