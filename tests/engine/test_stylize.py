"""The `stylize()` generator on the real VGG16 weights at tiny sizes: its Step contract,
repeatability, scales, resuming, colour options and bad input."""
import numpy as np
import pytest
import torch
from PIL import Image

from engine import EngineError, ParamError, stylize
from engine.backbone import VGGFeatures
from engine.color import rgb_to_ycbcr
from engine.images import resize_long_side, save_image, to_tensor
from engine.schedule import plan


def run(content, styles, params, **kwargs):
    return list(stylize(content, styles, params, **kwargs))


def pixels(img: Image.Image) -> bytes:
    return img.tobytes()


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_the_losses_fall(content, style, params, optimizer):
    steps = run(content, [style], params.replace(iterations=12, optimizer=optimizer, init="noise",
                                                 learning_rate=0.05))
    first, last = steps[0].losses, steps[-1].losses
    assert last["total"] < 0.5 * first["total"]
    assert last["style"] < first["style"]
    assert set(first) == {"content", "style", "tv", "total"}
    assert all(isinstance(v, float) for v in last.values())


def test_it_yields_one_step_per_iteration_with_the_image_on_snapshot_steps_and_the_last(
        content, style, params):
    steps = run(content, [style], params.replace(iterations=7, snapshot_every=3))
    assert [s.iteration for s in steps] == list(range(1, 8))
    assert all(s.total == 7 for s in steps)
    assert [s.iteration for s in steps if s.image is not None] == [3, 6, 7]
    assert steps[-1].is_last and not steps[-2].is_last
    assert steps[-1].image.mode == "RGB"
    assert steps[-1].image.size == resize_long_side(content, 48).size


def test_without_snapshots_only_the_last_step_carries_the_image(content, style, params):
    steps = run(content, [style], params.replace(iterations=3, snapshot_every=0))
    assert [s.image is not None for s in steps] == [False, False, True]


def test_elapsed_grows_and_the_remaining_time_falls_to_zero(content, style, params):
    steps = run(content, [style], params.replace(iterations=8))
    elapsed = [s.elapsed for s in steps]
    remaining = [s.remaining for s in steps]
    assert elapsed == sorted(elapsed)
    # Estimated from the average time per iteration so far, times the iterations left (7, then
    # 3): it falls with the work left, unless the machine slowed down more than twofold between.
    per_iteration = [r / (8 - i) for i, r in enumerate(remaining[:-1], 1)]
    assert remaining[0] > 0 and remaining[-1] == 0
    assert remaining[0] > remaining[4] or per_iteration[4] > 2 * per_iteration[0]


def test_the_same_seed_gives_the_same_pixels(content, style, params):
    p = params.replace(init="noise", seed=1234, iterations=4)
    a, b = run(content, [style], p)[-1], run(content, [style], p)[-1]
    assert pixels(a.image) == pixels(b.image)
    assert a.losses == b.losses


def test_another_seed_gives_other_pixels(content, style, params):
    p = params.replace(init="noise", iterations=2)
    a = run(content, [style], p.replace(seed=1))[-1].image
    b = run(content, [style], p.replace(seed=2))[-1].image
    assert pixels(a) != pixels(b)


def test_it_draws_a_seed_when_none_is_given_and_reports_it(content, style, params):
    steps = run(content, [style], params.replace(seed=None, iterations=2, init="noise"))
    seed = steps[0].seed
    assert isinstance(seed, int) and all(s.seed == seed for s in steps)
    again = run(content, [style], params.replace(seed=seed, iterations=2, init="noise"))
    assert pixels(again[-1].image) == pixels(steps[-1].image)


def test_multi_scale_runs_each_scale_in_turn_ending_at_full_size(content, style, params):
    p = params.replace(size=64, scales=(32, 48), iterations=7, snapshot_every=1)
    steps = run(content, [style], p)
    assert [s.scale for s in steps] == [32, 32, 48, 64, 64, 64, 64]
    assert [max(s.image.size) for s in steps] == [s.scale for s in steps]
    assert steps[-1].image.size == resize_long_side(content, 64).size


def test_the_schedule_shares_the_time_giving_the_cheap_scales_more_iterations(params):
    p = params.replace(size=512, scales=(128, 256), iterations=300)
    assert plan(p) == [(128, 1, 160), (256, 161, 200), (512, 201, 300)]
    # In time (pixels x iterations): five sixths at full size, the rest shared equally.
    time = {s: (b - a + 1) * (s / 512) ** 2 for s, a, b in plan(p)}
    assert time[512] == pytest.approx(5 * (time[128] + time[256])) and time[128] == time[256]
    assert plan(p.replace(iterations=3)) == [(128, 1, 1), (256, 2, 2), (512, 3, 3)]
    assert plan(params.replace(size=64, iterations=5)) == [(64, 1, 5)]
    for n in range(3, 40):  # every iteration in exactly one scale, each scale at least one
        spans = plan(p.replace(iterations=n))
        assert spans[0][1] == 1 and spans[-1][2] == n
        assert all(b >= a for _, a, b in spans)
        assert all(nxt[1] == prev[2] + 1 for prev, nxt in zip(spans, spans[1:]))


def test_a_resumed_run_continues_the_count_at_the_scale_it_stopped_in(content, style, params):
    p = params.replace(size=64, scales=(32,), iterations=6, snapshot_every=1)
    assert plan(p) == [(32, 1, 3), (64, 4, 6)]
    first = run(content, [style], p)
    resumed = run(content, [style], p, start_iteration=2, init_image=first[1].image)
    assert [s.iteration for s in resumed] == [3, 4, 5, 6]
    assert [s.scale for s in resumed] == [32, 64, 64, 64]
    assert resumed[-1].is_last and resumed[-1].image.size == first[-1].image.size
    # Resuming at the first iteration of a later scale starts right there.
    later = run(content, [style], p, start_iteration=3, init_image=first[2].image)
    assert [(s.iteration, s.scale) for s in later] == [(4, 64), (5, 64), (6, 64)]


def test_a_resumed_run_starts_from_the_image_it_is_given(content, style, params, tmp_path):
    p = params.replace(iterations=4, snapshot_every=1)
    grey = Image.new("RGB", (10, 10), (128, 128, 128))
    resumed = run(content, [style], p, start_iteration=3, init_image=grey)
    assert [s.iteration for s in resumed] == [4]
    from_grey = run(content, [style], p.replace(init=str(save_image(grey, tmp_path / "g.png"))))
    assert resumed[0].losses == from_grey[0].losses


def test_init_can_be_an_image_file(content, style, params, tmp_path):
    path = save_image(Image.new("RGB", (40, 30), (200, 30, 30)), tmp_path / "init.png")
    steps = run(content, [style], params.replace(init=str(path), iterations=1))
    from_content = run(content, [style], params.replace(iterations=1))
    assert steps[0].losses["content"] > 0 == from_content[0].losses["content"]


def test_preserve_colors_keeps_the_content_s_chrominance(content, style, params):
    p = params.replace(iterations=4, init="noise")
    out = run(content, [style], p.replace(preserve_colors=True))[-1].image
    photo = to_tensor(resize_long_side(content, 48))
    cbcr = rgb_to_ycbcr(to_tensor(out))[1:]
    assert (cbcr - rgb_to_ycbcr(photo)[1:]).abs().mean() < 0.01
    plain = run(content, [style], p)[-1].image
    assert (rgb_to_ycbcr(to_tensor(plain))[1:] - rgb_to_ycbcr(photo)[1:]).abs().mean() > 0.01


def test_the_last_step_keeps_the_raw_image_before_the_colours_are_recombined(content, style,
                                                                             params):
    from engine.color import preserve_colors, recolor

    p = params.replace(iterations=3, init="noise", snapshot_every=1)
    steps = run(content, [style], p.replace(preserve_colors=True))
    assert [s.raw is not None for s in steps] == [False, False, True]
    last, photo = steps[-1], to_tensor(resize_long_side(content, 48))
    assert last.raw.size == last.image.size and pixels(last.raw) != pixels(last.image)
    # The shown image is the raw one with the photo's colours: recombining them again gives it.
    again = to_tensor(last.image) - preserve_colors(to_tensor(last.raw), photo)
    assert again.abs().max() <= 1.5 / 255
    assert torch.equal(recolor(to_tensor(last.raw), photo, keep_colors=True),
                       preserve_colors(to_tensor(last.raw), photo))
    plain = run(content, [style], p)[-1]
    assert plain.raw is plain.image and pixels(plain.raw) == pixels(last.raw)


def test_match_histogram_changes_the_style_target(content, style, params):
    p = params.replace(iterations=1)
    plain = run(content, [style], p)[0].losses["style"]
    matched = run(content, [style], p.replace(match_histogram=True))[0].losses["style"]
    assert matched != plain


def test_several_styles_blend_with_their_weights(content, style, scream, params):
    p = params.replace(iterations=1)
    only_starry = run(content, [style], p)[0].losses["style"]
    all_starry = run(content, [style, scream], p.replace(style_blend_weights=(1.0, 0.0)))
    half = run(content, [style, scream], p.replace(style_blend_weights=(1.0, 1.0)))
    assert all_starry[0].losses["style"] == pytest.approx(only_starry, rel=1e-5)
    assert half[0].losses["style"] != pytest.approx(only_starry, rel=1e-3)


def test_adam_keeps_the_pixels_in_range_and_average_pooling_works(content, style, params):
    steps = run(content, [style], params.replace(optimizer="adam", pooling="avg", iterations=3))
    arr = np.asarray(steps[-1].image)
    assert arr.shape[2] == 3 and steps[-1].losses["total"] > 0


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_each_iteration_runs_the_network_once(content, style, params, optimizer, monkeypatch):
    calls = []
    forward = VGGFeatures.forward

    def counting(self, image, layers=None):
        calls.append(image.requires_grad)
        return forward(self, image, layers)

    monkeypatch.setattr(VGGFeatures, "forward", counting)
    run(content, [style], params.replace(iterations=5, optimizer=optimizer))
    assert calls.count(True) == 5  # the optimized image: once per iteration
    assert calls.count(False) == 2  # targets: the content and the style, once


def test_it_leaves_its_inputs_alone(content, style, params):
    before = (pixels(content), pixels(style))
    run(content, [style], params.replace(iterations=2, match_histogram=True))
    assert (pixels(content), pixels(style)) == before


def test_random_weights_run_for_plumbing(content, style, random_params):
    steps = run(content, [style], random_params)
    assert len(steps) == 3 and steps[-1].image is not None


def test_it_rejects_no_style_image(content, params):
    with pytest.raises(ParamError, match="style"):
        stylize(content, [], params)


def test_it_rejects_blend_weights_that_do_not_match_the_styles(content, style, params):
    with pytest.raises(ParamError, match="one weight per style image"):
        stylize(content, [style], params.replace(style_blend_weights=(1.0, 2.0)))


@pytest.mark.parametrize("start", [-1, 6, 7])
def test_it_rejects_a_start_iteration_outside_the_run(content, style, params, start):
    with pytest.raises(ParamError, match="start_iteration"):
        stylize(content, [style], params, start_iteration=start, init_image=content)


def test_it_rejects_resuming_without_an_image(content, style, params):
    with pytest.raises(ParamError, match="init_image"):
        stylize(content, [style], params, start_iteration=2)


def test_it_rejects_an_init_path_that_is_not_an_image(content, style, params, tmp_path):
    bad = tmp_path / "init.png"
    bad.write_text("not an image")
    from engine import ImageError
    with pytest.raises(ImageError):
        stylize(content, [style], params.replace(init=str(bad)))


def test_asking_for_cuda_without_one_is_a_clear_error(content, style, params):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ParamError, match="CUDA is not available"):
        stylize(content, [style], params.replace(device="cuda"))


def test_a_style_image_too_small_for_the_network_is_enlarged(content, style, params):
    steps = run(content, [style], params.replace(size=32, style_scale=0.1, iterations=1))
    assert steps[-1].image is not None


def test_it_rejects_a_size_too_small_for_the_network(style, params):
    panorama = Image.new("RGB", (200, 20), (90, 120, 200))
    with pytest.raises(ParamError, match="size: at 48 px the picture is 48x5 px"):
        stylize(panorama, [style], params)
    with pytest.raises(ParamError, match="scales"):
        stylize(panorama, [style], params.replace(size=400, scales=(48,)))


def test_a_zero_content_weight_paints_the_style_alone(content, style, params):
    steps = run(content, [style], params.replace(content_weight=0.0, iterations=2))
    assert steps[-1].losses["content"] == 0.0 and steps[-1].losses["style"] > 0


def test_losses_that_stop_being_finite_fail_the_run_with_a_word_about_the_parameters(
        content, style, random_params, monkeypatch):
    import engine.loop

    build = engine.loop.build_objective

    def exploding(*args, **kwargs):  # the objective as a huge weight would make it
        objective = build(*args, **kwargs)
        original = objective.forward
        objective.forward = lambda image, features: {
            k: v * float("inf") for k, v in original(image, features).items()}
        return objective

    monkeypatch.setattr(engine.loop, "build_objective", exploding)
    with pytest.raises(EngineError, match="iteration 1: its losses are no longer finite.*"
                                          "parameters are too extreme"):
        run(content, [style], random_params)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
@pytest.mark.parametrize("stop_at", [3, 9])  # in the coarse scale, and in the full one
def test_a_run_stopped_and_resumed_from_its_state_ends_with_the_same_pixels(
        content, style, params, optimizer, stop_at):
    p = params.replace(size=64, scales=(32,), iterations=14, exact_iterations=True,
                       optimizer=optimizer, snapshot_every=0)
    whole = run(content, [style], p)
    steps = stylize(content, [style], p)
    for step in steps:
        if step.iteration == stop_at:
            saved = step.state()
            break
    steps.close()  # the first run is gone; only its saved state is left
    rest = run(content, [style], p, resume=saved)
    assert [s.iteration for s in rest] == list(range(stop_at + 1, 15))
    assert [s.scale for s in rest] == [s.scale for s in whole[stop_at:]]
    assert rest[-1].losses["total"] == pytest.approx(whole[-1].losses["total"], rel=1e-5)
    a, b = np.asarray(whole[-1].image, dtype=int), np.asarray(rest[-1].image, dtype=int)
    assert np.abs(a - b).max() <= 1


def test_a_converging_run_resumed_from_its_state_stops_where_it_would_have(content, style,
                                                                          params):
    p = params.replace(size=64, scales=(32,), iterations=60, tolerance=0.05, snapshot_every=0)
    whole = run(content, [style], p)
    assert whole[-1].stopped == "converged" and whole[-1].iteration < 60
    steps = stylize(content, [style], p)
    saved = next(s for s in steps if s.iteration == whole[-1].iteration - 3).state()
    steps.close()
    rest = run(content, [style], p, resume=saved)
    assert (rest[-1].iteration, rest[-1].stopped) == (whole[-1].iteration, "converged")


def test_a_state_is_refused_for_another_painting_or_when_it_is_not_one(content, style, params):
    steps = stylize(content, [style], params)
    saved = next(steps).state()
    steps.close()
    with pytest.raises(ParamError, match="resume: the saved state belongs to a painting with other"):
        stylize(content, [style], params.replace(style_weight=3.0), resume=saved)
    with pytest.raises(ParamError, match="resume: the saved state cannot be read"):
        stylize(content, [style], params, resume=b"not a state")
