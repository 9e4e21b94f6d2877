"""A finished painting's colours: the post-steps a user switches without painting again.

The worker keeps each painting as the engine made it (`Job.raw_result`); `Job.result`, the
version shown and downloaded, is that raw painting after `engine.color.recolor` with a choice
{"keep_colors": bool, "match_histogram": bool, "mix": float in [0, 1]}. A job's params'
`preserve_colors` is its first choice. `Job.colors` records them:

- "shown": the choice the `result` file shows;
- "wanted": a choice asked for and not made yet (null when none): services.job_set_colors asks,
  the instant lane's worker makes it (gallery/worker/instant.py, `recolor_job`) and moves it to
  "shown";
- "asked": how many choices have been asked for; the worker's write is fenced by it, so a
  picture made for an older choice never replaces a newer one;
- "error": why the last choice asked for could not be made ("" when it was).

Empty ({}) while a job has no raw result: not finished, or finished before colours could change.
This module does not import torch: the web process uses it.
"""
from __future__ import annotations

import math

from django.core.exceptions import ValidationError

NAMES = ("keep_colors", "match_histogram", "mix")
NONE = {"keep_colors": False, "match_histogram": False, "mix": 0.0}


def choice(*, keep_colors: bool, match_histogram: bool, mix: float) -> dict:
    """A validated choice; a ValidationError keyed by the field otherwise."""
    for name, value in (("keep_colors", keep_colors), ("match_histogram", match_histogram)):
        if not isinstance(value, bool):
            raise ValidationError({name: ValidationError("Must be true or false.", code="invalid")})
    if isinstance(mix, bool) or not isinstance(mix, (int, float)) or not math.isfinite(mix) \
            or not 0.0 <= mix <= 1.0:
        raise ValidationError({"mix": ValidationError(
            "Must be a number from 0 (the painting) to 1 (the photo).", code="invalid")})
    return {"keep_colors": keep_colors, "match_histogram": match_histogram, "mix": float(mix)}


def needs_photo(chosen: dict) -> bool:
    """Whether making `chosen` needs the photo (every post-step takes something from it)."""
    return chosen != NONE


def first_choice(params: dict) -> dict:
    """The choice a new painting is shown with: its job's `preserve_colors`, nothing else."""
    return {**NONE, "keep_colors": bool((params or {}).get("preserve_colors"))}


def record(shown: dict, *, asked: int = 0) -> dict:
    """`Job.colors` of a result file showing `shown`, made for the `asked`-th choice (0: the
    first)."""
    return {"shown": shown, "wanted": None, "asked": asked, "error": ""}


def state(job) -> dict | None:
    """What the job page and the API show: the latest choice asked for, whether its picture is
    still being made, and why it could not be (null for a job whose colours cannot change)."""
    colors = job.colors or {}
    if job.status != job.Status.SUCCEEDED or not job.raw_result or "shown" not in colors:
        return None
    wanted = colors.get("wanted")
    return {**(wanted or colors["shown"]), "pending": wanted is not None,
            "error": colors.get("error", ""), "has_photo": job.photo_id is not None}
