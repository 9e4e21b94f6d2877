"""The optimizer loop: `stylize()` yields a `Step` per iteration; callers show, save or stop.

Gatys, Ecker and Bethge, "A Neural Algorithm of Artistic Style" (arXiv 1508.06576): the pixels of
an image are optimized so its VGG features match the content photograph's and its Gram matrices
the painting's. The generator never prints; stopping early is closing it (or just not asking for
the next step).
"""
from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F
from PIL import Image

from . import color
from .backbone import load_backbone
from .convergence import EXPECTED_ITERATIONS, Convergence
from .device import free_memory as device_free_memory
from .device import resolve_device
from .errors import EngineError
from .images import load_image, resize_long_side, resize_to, to_image, to_tensor
from .layers import min_side
from .losses import build_objective
from .memory import check_fits
from .params import INIT_KINDS, ParamError, StyleParams, check_styles, draw_seed
from .regions import check_masks, feature_weights, group_styles
from .schedule import check_sizes, pixels, plan
from .state import RunState
from .state import load as load_state
from .state import save as save_state
from .step import STOPPED_CONVERGED, STOPPED_ITERATIONS, Step
from .weighting import content_weights, deepest_layer, style_weights

# L-BFGS curvature pairs kept. Each pair costs 2 copies of the image (2 x 2.4 MB at 512x384), so
# jcjohnson's 100 would cost 470 MB of RAM at 512 px; 20 costs 94 MB, and 10 already reached
# within 1% of the loss of 50 after 150 iterations in our runs.
LBFGS_HISTORY = 20

# Whether a new scale gets the content's high frequencies back (init "content" only).
UPSCALE_DETAIL = True


def stylize(
    content: Image.Image,
    styles: Sequence[Image.Image],
    params: StyleParams,
    *,
    start_iteration: int = 0,
    init_image: Image.Image | None = None,
    free_memory: int | None = None,
    resume: bytes | None = None,
    style_masks: Sequence | None = None,
) -> Iterator[Step]:
    """Style `content` after `styles`; one `Step` per iteration, the image on snapshot steps
    (every `params.snapshot_every`-th iteration) and on the last one, whose `stopped` says why.

    Each scale stops once it has converged (engine/convergence.py), at most at its share of
    `params.iterations` (see `schedule.plan`; `exact_iterations` runs every one). Multi-scale
    (`params.schedule`, e.g. 128, 256, 512): each scale starts from the previous result
    upscaled, and the style images are resized with the content to `style_scale` times the
    scale's long side.

    Resuming a run that stopped after `start_iteration` iterations: pass its last image as
    `init_image`; the run goes on at the scale that image was painted at (an exact run: the
    scale its next iteration belongs to), the count goes on. The optimizer's memory (L-BFGS
    history, Adam moments) starts afresh.

    Resuming exactly: pass `resume`, the bytes of a Step's `state()` (engine/state.py); the
    run goes on from that very iteration with the optimizer's own memory, and ends with the
    pixels an uninterrupted run would have (same machine). `start_iteration` and `init_image`
    are then ignored.

    Regions (Gatys et al., "Controlling Perceptual Factors in Neural Style Transfer"):
    `style_masks` has one entry per style image, None (it paints everywhere) or a mask, a
    float tensor (H, W) in [0, 1] or a grey PIL image at any resolution, stretched to the
    photo: 1 where that style paints. Styles with equal masks blend in their region; where
    no mask reaches, only the content and tv losses act, so the photo stays. Masks are inputs
    like the styles: a resumed run needs the same ones again. See engine/regions.py.

    Bad arguments raise `ParamError` here, at the call, and so does a size whose estimated
    peak memory (engine/memory.py) exceeds `free_memory` bytes (default: what the device has
    free); missing weights raise `WeightsError` at the first step.
    """
    styles = list(styles)
    check_styles(styles, params.style_blend_weights)
    masks = check_masks(style_masks, len(styles))
    saved = None
    if resume is not None:
        saved = load_state(resume, params)
        start_iteration, init_image = 0, None
    if not (isinstance(start_iteration, int) and 0 <= start_iteration < params.iterations):
        raise ParamError("start_iteration", f"must be from 0 to {params.iterations - 1}")
    if init_image is None and start_iteration > 0:
        raise ParamError("init_image", "resuming (start_iteration > 0) needs the last image")
    check_sizes(content.size, params)
    if init_image is None and params.init not in INIT_KINDS:  # the path of an image
        init_image = load_image(params.init)  # ImageError now, not after minutes of work
    device = resolve_device(params.device)
    check_fits(pixels(content.size, params.size), params.size, params.backbone,
               params.style_scale, device_free_memory(device) if free_memory is None else free_memory)
    seed = saved.seed if saved else params.seed if params.seed is not None else draw_seed()
    return _run(content, styles, params, device, seed, start_iteration, init_image, saved, masks)


def _run(content, styles, params, device, seed, start_iteration, init_image,
         saved: RunState | None, masks) -> Iterator[Step]:
    started = time.perf_counter()
    net = load_backbone(params.backbone, params.weights, pooling=params.pooling, device=device,
                        last_layer=deepest_layer(params))
    todo = _scales_to_run(params, start_iteration, init_image)
    cost = {size: pixels(content.size, size) for size, _ in todo}  # per iteration, at each scale
    x = None  # the image being optimized, (1, 3, H, W)
    previous = None  # the content at the previous scale, (1, 3, h, w)
    clock = _Clock()
    iteration = saved.iteration if saved else start_iteration

    for index, (size, cap) in enumerate(todo):
        if saved and index < saved.index:
            continue  # done before the state was saved
        resumed = saved is not None and index == saved.index
        final = index == len(todo) - 1
        if resumed:
            cap = saved.cap
        elif final and not params.exact_iterations:
            cap = params.iterations - iteration  # what the coarse scales left over
        content_img = resize_long_side(content, size)
        c = to_tensor(content_img).unsqueeze(0).to(device)  # (1, 3, H, W)
        h, w = c.shape[-2:]
        objective = _objective(net, c, styles, params, size, device, masks)
        if resumed:
            x = saved.image.to(device)
        elif x is None:
            x = _initial(c, params, seed, init_image)
        else:  # coarse to fine: the previous result, upscaled
            x = _upscale(x.detach(), (h, w))
            if params.init == "content" and UPSCALE_DETAIL:
                # Started from the photograph, so give back the detail the coarse scale could
                # not hold: the content's own high frequencies, what its upscaled coarse copy
                # lacks (a Laplacian pyramid level). Plain upscaling leaves a blurred picture
                # whose content loss at the new size is high, and the scale's first iterations
                # would go to re-sharpening it. (Gatys et al. have no multi-scale schedule;
                # this departs from jcjohnson's plain upscaling too.)
                x = x + (c - _upscale(previous, (h, w)))
            x = x.clamp(0, 1)
        previous = c
        x = x.detach().requires_grad_(True)
        optimizer = _optimizer(params, x)
        losses = {}
        watch = Convergence(params.tolerance)
        first = 1
        if resumed:
            optimizer.load_state_dict(saved.optimizer)
            watch.losses = list(saved.losses)
            first = saved.done + 1

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            terms = objective(x, net(x, objective.layers))
            total = terms["content"] + terms["style"] + terms["tv"]
            total.backward()
            # One device-to-host copy for the four figures (one sync on a GPU, not four).
            values = torch.stack([terms["content"], terms["style"], terms["tv"], total])
            losses.update(zip(("content", "style", "tv", "total"), values.detach().tolist()))
            return total

        for n in range(first, cap + 1):
            iteration += 1
            clock.start()
            optimizer.step(closure)  # L-BFGS with max_iter=1: exactly one closure call
            if params.optimizer == "adam":
                with torch.no_grad():
                    x.clamp_(0, 1)  # Adam steps are small: keep pixels in range as we go
            clock.done(size, cost[size])
            if not all(map(math.isfinite, losses.values())):
                raise EngineError(
                    f"The painting went wrong at iteration {iteration}: its losses are no longer "
                    "finite numbers. The parameters are too extreme (a very large weight, or "
                    "Adam's learning rate): try again with the defaults.")
            watch.add(losses["total"])
            converged = not params.exact_iterations and watch.converged
            stopped = None
            if final and (converged or n == cap):
                stopped = STOPPED_CONVERGED if converged else STOPPED_ITERATIONS
            image = raw = None
            if stopped or (params.snapshot_every and iteration % params.snapshot_every == 0):
                image = _picture(x, c, params)
            if stopped:
                raw = to_image(x.detach()[0]) if params.preserve_colors else image
            yield Step(
                iteration=iteration,
                total=params.iterations,
                losses=dict(losses),
                elapsed=time.perf_counter() - started,
                remaining=clock.remaining(size, *_work_left(todo, index, n, cap, watch, cost,
                                                            params)),
                scale=size,
                seed=seed,
                image=image,
                stopped=stopped,
                raw=raw,
                state=functools.partial(save_state, iteration=iteration, index=index, done=n,
                                        cap=cap, image=x, optimizer=optimizer,
                                        losses=watch.losses, seed=seed, params=params),
            )
            if converged:
                break


def _scales_to_run(params: StyleParams, start_iteration: int, init_image) -> list[tuple[int, int]]:
    """(long side, most iterations) of each scale still to optimise, coarse to fine.

    A fresh run takes `plan`'s spans (exact counts with `exact_iterations`, upper bounds
    otherwise). A resumed exact run continues inside the span its iteration belongs to. A
    converging run has no fixed boundaries, so the image it resumes from says its scale; it
    has used at least its first iterations, so that scale's bound is what its span has left
    (a scale already at its bound hands the image to the next).
    """
    spans = plan(params)
    if start_iteration > 0 and not params.exact_iterations:
        sizes = [size for size, _, _ in spans]
        long_side = max(init_image.size)
        spans = spans[sizes.index(long_side) if long_side in sizes else len(sizes) - 1:]
    return [(size, last - max(first - 1, start_iteration))
            for size, first, last in spans if last > start_iteration]


def _work_left(todo, index: int, done: int, cap: int, watch: Convergence, cost,
               params) -> tuple[int, int]:
    """(iterations left at the current scale, pixel-iterations of the later scales): `done` of
    at most `cap` here, the rest as expected (the later scales' caps when the count is exact,
    else what a scale usually takes)."""
    if params.exact_iterations:
        here = cap
        later = sum(n * cost[s] for s, n in todo[index + 1:])
    else:
        here = watch.expected_iterations(cap)
        later = sum(min(n, EXPECTED_ITERATIONS) * cost[s] for s, n in todo[index + 1:])
    return here - done, later


def _upscale(t: torch.Tensor, size_hw: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(t, size=size_hw, mode="bicubic", align_corners=False)


@torch.no_grad()
def _objective(net, c, styles, params, size, device, masks=None):
    """The objective at one scale, its targets computed once; the masks resized to its image
    size's style layers."""
    layers_c, layers_s = set(content_weights(params)), set(style_weights(params))
    content_features = net(c, layers_c) if layers_c else {}
    style_features = []
    need = min_side(deepest_layer(params))
    for style in styles:
        w, h = style.size
        # At least `need` px on the short side, or the deepest layers would have no pixels.
        long_side = max(round(size * params.style_scale), math.ceil(need * max(w, h) / min(w, h)))
        s = to_tensor(resize_long_side(style, long_side))
        s = s.unsqueeze(0).to(device)  # (1, 3, h, w)
        if params.match_histogram:
            s = color.match_histogram(s, c)
        style_features.append(net(s, layers_s) if layers_s else {})
    regions = [(None if mask is None else feature_weights(mask, c.shape[-2:], layers_s), indices)
               for mask, indices in group_styles(masks, len(styles))]
    return build_objective(params, content_features, style_features, regions).to(device)


def _initial(c: torch.Tensor, params: StyleParams, seed: int, init_image) -> torch.Tensor:
    """The first scale's starting image: a given image, the content, or seeded noise."""
    h, w = c.shape[-2:]
    if init_image is not None:
        return to_tensor(resize_to(init_image, (h, w))).unsqueeze(0).to(c.device)
    if params.init == "content":
        return c.clone()
    # A private generator, on the CPU: the same seed gives the same noise on any device, and
    # the caller's global RNG is left alone.
    generator = torch.Generator().manual_seed(seed)
    return torch.rand((1, 3, h, w), generator=generator).to(c.device)


def _optimizer(params: StyleParams, x: torch.Tensor) -> torch.optim.Optimizer:
    if params.optimizer == "adam":
        return torch.optim.Adam([x], lr=params.learning_rate, betas=(params.beta1, params.beta2),
                                eps=params.epsilon)
    # max_iter=1 and no line search: one function evaluation per step, so every iteration is a
    # Step. Zero tolerances: torch's defaults would silently stop updating on tiny gradients.
    return torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=LBFGS_HISTORY,
                             tolerance_grad=0, tolerance_change=0)


def _picture(x: torch.Tensor, c: torch.Tensor, params: StyleParams) -> Image.Image:
    """The image as shown: clamped, and with the content's colours when asked for."""
    out = x.detach()[0].clamp(0, 1)
    if params.preserve_colors:
        out = color.preserve_colors(out, c[0])
    return to_image(out)


class _Clock:
    """Seconds per iteration at each scale, for the remaining time.

    The current scale's own average prices its remaining iterations; a later, larger scale is
    priced per pixel at the latest scale's rate (a coarse scale's fixed costs would make a
    larger one look dearer than it is). Averages over whole scales, not the last step: the
    estimate falls steadily with the work, and rises only when the machine slows down for long.
    """

    def __init__(self):
        self.spent: dict[int, list] = {}  # long side -> [seconds, iterations, pixels]
        self.t0 = 0.0

    def start(self) -> None:
        self.t0 = time.perf_counter()

    def done(self, size: int, pixels: int) -> None:
        seconds, iterations, _ = self.spent.setdefault(size, [0.0, 0, pixels])
        self.spent[size][:2] = [seconds + time.perf_counter() - self.t0, iterations + 1]

    def remaining(self, size: int, iterations_here: int, later_pixel_iterations: int) -> float:
        seconds, iterations, pixels = self.spent[size]
        per_iteration = seconds / iterations
        return per_iteration * iterations_here + per_iteration / pixels * later_pixel_iterations
