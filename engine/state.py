"""A running painting's exact state, to stop it and carry on later with the same pixels.

Not the picture a snapshot shows (clamped, colours recombined, rounded to 8 bits) but what the
optimizer holds: the image tensor itself, the optimizer's memory (L-BFGS's curvature pairs or
Adam's moments), the scale it is at, how far into it, and the losses that decide when it has
converged. `stylize(..., resume=state)` goes on from it; a run stopped and resumed on the same
machine ends with the same pixels, within floating-point tolerance, as one never interrupted.

Saved with torch.save and read back with `weights_only=True`: only tensors and plain values,
never pickled code.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import torch

from .params import ParamError, StyleParams

FORMAT = 1
# Parameters a state may be resumed under with other values: where the work runs.
WHERE = ("device", "weights")


@dataclass(frozen=True)
class RunState:
    iteration: int  # iterations done over all scales
    index: int  # the scale (in the run's schedule) it is at
    done: int  # iterations done at that scale
    cap: int  # that scale's upper bound
    image: torch.Tensor  # (1, 3, H, W), the optimized image itself, on the CPU
    optimizer: dict  # the optimizer's state_dict
    losses: list[float]  # that scale's total losses so far (engine/convergence.py)
    seed: int
    params: dict  # the run's parameters (StyleParams.to_dict() without WHERE and the seed)


def _what(params: StyleParams) -> dict:
    return {k: v for k, v in params.to_dict().items() if k not in WHERE and k != "seed"}


def save(*, iteration: int, index: int, done: int, cap: int, image: torch.Tensor,
         optimizer: torch.optim.Optimizer, losses: list[float], seed: int,
         params: StyleParams) -> bytes:
    """A run's state now, as bytes (a torch.save archive): written at once, so the run may go
    on changing its own tensors."""
    buf = io.BytesIO()
    torch.save({"format": FORMAT, "iteration": iteration, "index": index, "done": done,
                "cap": cap, "image": image.detach().cpu(), "optimizer": optimizer.state_dict(),
                "losses": list(losses), "seed": seed, "params": _what(params)}, buf)
    return buf.getvalue()


def load(data: bytes, params: StyleParams) -> RunState:
    """The state `save` wrote, for a run with these parameters; ParamError("resume", ...) when
    it cannot be read or belongs to a run with other parameters."""
    try:
        raw = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        if raw.pop("format") != FORMAT:
            raise ValueError("another format")
        state = RunState(**raw)
    except Exception as exc:  # a truncated file, another format, not a state at all
        raise ParamError("resume", f"the saved state cannot be read ({exc})") from exc
    if state.params != _what(params) or params.seed not in (None, state.seed):
        raise ParamError("resume", "the saved state belongs to a painting with other parameters")
    return state
