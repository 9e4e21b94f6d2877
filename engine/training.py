"""Training an instant network: `train()` yields a `TrainStep` per step; callers show, save or stop.

Johnson et al.'s perceptual loss over the same backbone and the same loss modules as `stylize()`:
each batch of photo crops is its own content target (`Objective.retarget_content`), the style
targets are the paintings' Gram matrices, computed once. Adam, seeded; every step's crops and
flips come from a generator seeded by (seed, step), so a run resumed from a checkpoint (weights and
Adam's moments) draws the very batches the uninterrupted run would have, and continues its loss
curve exactly.
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .backbone import load_backbone
from .device import resolve_device
from .errors import EngineError, ImageError
from .images import load_image, resize_long_side, to_image, to_tensor
from .layers import LAYER_INDEX
from .losses import build_objective
from .network import TransformerNet, network_file
from .params import ParamError, TrainParams, check_styles, draw_seed
from .weighting import content_weights, style_weights

# Photos are kept in memory with this short side (times the crop size): room for crops of
# 1x to 2x the crop size, which vary the scale of what the network sees.
_KEEP_SHORT_SIDE = 2.0
# Parameters that may change when a run is resumed: the rest define the network being trained.
_RESUMABLE = {"steps", "sample_every", "checkpoint_every", "device", "weights"}


@dataclass(frozen=True)
class TrainStep:
    step: int  # 1-based; a resumed run continues the count
    total: int  # params.steps
    losses: Mapping[str, float]  # this step's weighted "content", "style", "tv" and "total"
    elapsed: float  # seconds of training so far (a resumed run includes the earlier time)
    remaining: float  # estimated seconds to the last step
    seed: int
    sample: Image.Image | None = field(default=None, repr=False)  # sample steps and the last
    checkpoint: dict | None = field(default=None, repr=False)  # resumable; checkpoint steps
    network: dict | None = field(default=None, repr=False)  # the finished network; last step

    @property
    def is_last(self) -> bool:
        return self.step == self.total


def load_photos(folder: str | Path, *, max_side: int = 1024) -> list[Image.Image]:
    """Every readable image in `folder` (not recursive, sorted by name), long side at most
    `max_side`. Unreadable files are skipped; no usable photo at all is an EngineError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EngineError(f"photos folder {folder} does not exist")
    photos = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            photos.append(load_image(path, max_side=max_side))
        except ImageError:
            continue
    if not photos:
        raise EngineError(f"photos folder {folder} has no photo we can read "
                          "(JPEG, PNG, WebP, TIFF, BMP or GIF)")
    return photos


def train(
    style_images: Sequence[Image.Image],
    photos: Sequence[Image.Image],
    params: TrainParams,
    *,
    style_names: Sequence[str] = (),
    training_set: str = "",
    resume: dict | None = None,
    sample: Image.Image | None = None,
) -> Iterator[TrainStep]:
    """Train a network that paints like `style_images` (blended by `params.style_blend_weights`).

    `resume`: a checkpoint dict (`TrainStep.checkpoint`, as saved) to continue from. `sample`:
    the picture painted on sample steps (default: the first photo, centre-cropped). Bad
    arguments raise `ParamError` here, at the call.
    """
    from . import ENGINE_VERSION

    styles, photos = list(style_images), list(photos)
    blend = params.style_blend_weights
    check_styles(styles, blend)
    if not photos:
        raise ParamError("photos", "needs at least one photo")
    small = [p.size for p in photos if min(p.size) < 32]
    if small:
        raise ParamError("photos", f"a photo of {small[0][0]}x{small[0][1]} px is too small; "
                                   "each needs at least 32 px on each side")
    start, elapsed, seed = 0, 0.0, params.seed
    if resume is not None:
        start, elapsed, seed = _check_resume(resume, params)
    if seed is None:
        seed = draw_seed()
    record = {
        "styles": list(style_names) or [f"style {i + 1}" for i in range(len(styles))],
        "style_blend_weights": list(blend) if blend is not None else None,
        "backbone": params.backbone,
        "size": params.size,
        "steps": params.steps,
        "batch": params.batch,
        "seed": seed,
        "params": params.replace(seed=seed).to_dict() | {"weights": _weights_name(params)},
        "training_set": {"name": training_set, "photos": len(photos)},
        "engine_version": ENGINE_VERSION,
    }
    device = resolve_device(params.device)
    return _run(styles, photos, params, record, device, seed, start, elapsed, resume, sample)


def _run(styles, photos, params, record, device, seed, start, elapsed, resume,
         sample) -> Iterator[TrainStep]:
    started = time.perf_counter() - elapsed
    layers_c, layers_s = set(content_weights(params)), set(style_weights(params))
    deepest = max(layers_c | layers_s or {params.style_layers[0]},
                  key=LAYER_INDEX[params.backbone].__getitem__)
    backbone = load_backbone(params.backbone, params.weights, pooling=params.pooling,
                             device=device, last_layer=deepest)
    net = _new_network(params, seed).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=params.learning_rate)
    if resume is not None:
        net.load_state_dict({k: v.float() for k, v in resume["state_dict"].items()})
        optimizer.load_state_dict(resume["optimizer"])
    net.train()
    pool = [_keep(p, params.size) for p in photos]
    if sample is None:
        sample = _centre_crop(photos[0])
    sample_x = to_tensor(resize_long_side(sample, params.size)).unsqueeze(0).to(device)

    with torch.no_grad():
        style_features = [
            backbone(to_tensor(resize_long_side(s, round(params.size * params.style_scale)))
                     .unsqueeze(0).to(device), layers_s) if layers_s else {}
            for s in styles
        ]
        first = _batch(pool, params, seed, start + 1).to(device)
        objective = build_objective(params, backbone(first, layers_c) if layers_c else {},
                                    style_features).to(device)
    step_seconds: list[float] = []
    for step in range(start + 1, params.steps + 1):
        t0 = time.perf_counter()
        x = _batch(pool, params, seed, step).to(device)  # (B, 3, S, S)
        if layers_c:
            with torch.no_grad():
                objective.retarget_content(backbone(x, layers_c))
        y = net(x)
        terms = objective(y, backbone(y, objective.layers))
        total = terms["content"] + terms["style"] + terms["tv"]
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        values = torch.stack([terms["content"], terms["style"], terms["tv"], total]).tolist()
        if not all(map(math.isfinite, values)):
            raise EngineError(f"training diverged at step {step} (the loss is not a finite "
                              "number): lower the learning rate or the loss weights")
        losses = dict(zip(("content", "style", "tv", "total"), values))
        step_seconds.append(time.perf_counter() - t0)
        last = step == params.steps
        image = checkpoint = network = None
        if last or (params.sample_every and step % params.sample_every == 0):
            with torch.no_grad():
                image = to_image(net(sample_x)[0])
            net.train()
        now = time.perf_counter() - started
        step_record = record | {"losses": losses, "elapsed": now, "trained_steps": step}
        if last or (params.checkpoint_every and step % params.checkpoint_every == 0):
            checkpoint = network_file(net, step_record, half=False,
                                      optimizer=copy.deepcopy(optimizer.state_dict()), step=step)
        if last:
            network = network_file(net, step_record, half=True)
        yield TrainStep(
            step=step, total=params.steps, losses=losses, elapsed=now,
            remaining=_remaining(step_seconds, params.steps - step), seed=seed,
            sample=image, checkpoint=checkpoint, network=network,
        )


def _check_resume(resume: dict, params: TrainParams) -> tuple[int, float, int]:
    """(steps done, seconds spent, seed) of a checkpoint that `params` may continue."""
    try:
        step, record = int(resume["step"]), dict(resume["record"])
        old = dict(record["params"])
        resume["optimizer"], resume["state_dict"]
    except (KeyError, TypeError, ValueError):
        raise ParamError("resume", "this file is a finished network, not a training checkpoint") \
            from None
    ours = params.replace(seed=old.get("seed")).to_dict()
    changed = sorted(k for k in ours if k not in _RESUMABLE and ours[k] != old.get(k))
    if params.seed is not None and params.seed != old.get("seed"):
        changed.insert(0, "seed")
    if changed:
        raise ParamError("resume", "the checkpoint was trained with other values of "
                                   f"{', '.join(changed)}")
    if not 0 < step < params.steps:
        raise ParamError("resume", f"the checkpoint is at step {step}; steps must be more")
    return step, float(record.get("elapsed", 0.0)), int(old["seed"])


def _new_network(params: TrainParams, seed: int) -> TransformerNet:
    """The untrained network, initialized from `seed` without touching the global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TransformerNet(params.width, params.blocks)


def _keep(photo: Image.Image, size: int) -> torch.Tensor:
    """A photo as a uint8 tensor (3, H, W) with a short side of at most 2x the crop size."""
    short = min(photo.size)
    keep = math.ceil(size * _KEEP_SHORT_SIDE)
    if short > keep:
        photo = resize_long_side(photo, round(max(photo.size) * keep / short))
    return to_tensor(photo).mul(255).round().to(torch.uint8)


def _batch(pool: list[torch.Tensor], params: TrainParams, seed: int, step: int) -> torch.Tensor:
    """Step `step`'s batch: random photos, random square crops of 1x to 2x the crop size
    (as far as the photo allows), resized to the crop size, flipped half of the time."""
    entropy = np.random.SeedSequence([seed, step]).generate_state(2, dtype=np.uint32)
    g = torch.Generator().manual_seed(int(entropy[0]) << 32 | int(entropy[1]))
    out = []
    for _ in range(params.batch):
        photo = pool[int(torch.randint(len(pool), (1,), generator=g))]
        h, w = photo.shape[-2:]
        most = min(h, w, params.size * 2)
        side = min(most, params.size) + int(torch.randint(max(1, most - params.size + 1), (1,),
                                                          generator=g))
        side = min(side, h, w)
        top = int(torch.randint(h - side + 1, (1,), generator=g))
        left = int(torch.randint(w - side + 1, (1,), generator=g))
        crop = photo[:, top:top + side, left:left + side].float().div_(255).unsqueeze(0)
        crop = F.interpolate(crop, size=(params.size, params.size), mode="bilinear",
                             antialias=True, align_corners=False)
        if torch.rand((), generator=g) < 0.5:
            crop = crop.flip(-1)
        out.append(crop)
    return torch.cat(out).clamp_(0, 1)  # (B, 3, S, S)


def _centre_crop(photo: Image.Image) -> Image.Image:
    w, h = photo.size
    side = min(w, h)
    return photo.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side,
                       (h - side) // 2 + side))


def _remaining(seconds: list[float], steps_left: int) -> float:
    # The median of the recent steps: a sample or checkpoint step's extra time does not swing it.
    recent = sorted(seconds[-50:])
    return recent[len(recent) // 2] * steps_left


def _weights_name(params: TrainParams) -> str | None:
    """The weights file's name only: a record should not carry one machine's paths."""
    return Path(params.weights).name if params.weights not in (None, "random") else params.weights
