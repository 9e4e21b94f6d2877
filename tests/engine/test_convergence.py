"""Stopping when the painting is done: the convergence test, its prediction, and the
multi-scale default, on the real VGG16 weights at small sizes."""
import math

import pytest

from engine import stylize
from engine.convergence import EXPECTED_ITERATIONS, MIN_FIT_POINTS, WINDOW, Convergence
from engine.params import auto_scales
from engine.schedule import expected_work, plan
from engine.step import STOPPED_CONVERGED, STOPPED_ITERATIONS


def power_law(k: int) -> float:
    """A loss like L-BFGS's: a floor plus a power-law decay."""
    return 1.0 + 40.0 * k ** -1.6


def test_a_run_stops_early_once_the_painting_has_converged_and_says_why(content, style, params):
    p = params.replace(iterations=300, tolerance=0.01, snapshot_every=0)
    steps = list(stylize(content, [style], p))
    last = steps[-1]
    assert WINDOW < last.iteration < 300
    assert last.stopped == STOPPED_CONVERGED and last.is_last and last.image is not None
    assert all(s.stopped is None and s.image is None for s in steps[:-1])
    totals = [s.losses["total"] for s in steps]
    fall = (totals[-1 - WINDOW] - totals[-1]) / (WINDOW * totals[-1])
    assert fall < 0.01  # the rule it says it stopped by
    before = (totals[-2 - WINDOW] - totals[-2]) / (WINDOW * totals[-2])
    assert before >= 0.01  # and not one iteration later than it
    assert last.remaining == 0


def test_an_exact_run_does_not_stop_early(content, style, params):
    p = params.replace(iterations=25, tolerance=0.5, exact_iterations=True, snapshot_every=0)
    steps = list(stylize(content, [style], p))
    assert [s.iteration for s in steps] == list(range(1, 26))
    assert steps[-1].stopped == STOPPED_ITERATIONS
    # The same tolerance without the option stops as soon as a window has been seen.
    early = list(stylize(content, [style], p.replace(exact_iterations=False)))
    assert len(early) == WINDOW + 1 and early[-1].stopped == STOPPED_CONVERGED


def test_a_run_that_never_converges_stops_at_the_upper_bound(content, style, params):
    steps = list(stylize(content, [style], params.replace(iterations=14, tolerance=0.0)))
    assert len(steps) == 14 and steps[-1].stopped == STOPPED_ITERATIONS


def test_the_multi_scale_default_runs_every_scale_of_the_schedule_chosen_from_the_size(
        content, style, params):
    assert auto_scales(512) == (128, 256)
    assert auto_scales(1024) == (128, 256, 512)
    assert auto_scales(1536) == (192, 384, 768)
    assert auto_scales(200) == ()
    p = params.replace(size=256, iterations=9, exact_iterations=True, snapshot_every=1)
    assert p.multi_scale and p.scales == () and p.schedule == (128, 256)
    steps = list(stylize(content, [style], p))
    assert [s.scale for s in steps] == [size for size, a, b in plan(p) for _ in range(a, b + 1)]
    assert {s.scale for s in steps} == {128, 256}
    assert [max(s.image.size) for s in steps] == [s.scale for s in steps]
    single = p.replace(multi_scale=False)
    assert single.schedule == (256,)
    assert {s.scale for s in stylize(content, [style], single.replace(iterations=2))} == {256}


def test_a_converging_multi_scale_run_moves_on_when_a_coarse_scale_converges(
        content, style, params):
    p = params.replace(size=64, scales=(32,), iterations=200, tolerance=0.02, snapshot_every=0)
    bound = plan(p)[0][2]  # the coarse scale's upper bound
    steps = list(stylize(content, [style], p))
    coarse = [s for s in steps if s.scale == 32]
    assert WINDOW < len(coarse) < bound  # converged before its bound
    assert steps[-1].scale == 64 and steps[-1].stopped is not None
    assert [s.iteration for s in steps] == list(range(1, len(steps) + 1))


def test_the_prediction_finds_when_a_power_law_loss_will_converge():
    watch, predictions, k = Convergence(tolerance=0.005), [], 0
    while not watch.converged:
        k += 1
        watch.add(power_law(k))
        predictions.append(watch.expected_iterations(cap=10_000))
    stopped = k
    assert predictions[0] == EXPECTED_ITERATIONS  # before a window: the usual count
    # A young fit moves the usual count only a little (one once foresaw 131 iterations of 47).
    assert predictions[WINDOW + MIN_FIT_POINTS - 2] == EXPECTED_ITERATIONS
    assert abs(predictions[WINDOW + MIN_FIT_POINTS - 1] - EXPECTED_ITERATIONS) <= 5
    late = predictions[WINDOW + MIN_FIT_POINTS:]  # once its own losses speak: within a fifth
    assert late and all(abs(p - stopped) <= stopped / 5 for p in late), (stopped, late)
    assert predictions[-1] == stopped
    assert Convergence(0.002).expected_iterations(cap=20) == 20  # never past the bound


def test_expected_work_counts_pixels_times_iterations(params):
    exact = params.replace(size=512, iterations=100, exact_iterations=True, multi_scale=False)
    assert expected_work((1024, 768), exact) == pytest.approx(100 * 512 * 384 / 1e6)
    converging = exact.replace(exact_iterations=False)
    assert expected_work((1024, 768), converging) == pytest.approx(
        EXPECTED_ITERATIONS * 512 * 384 / 1e6)
    multi = converging.replace(multi_scale=True, iterations=300)
    assert [b - a + 1 for _, a, b in plan(multi)] == [160, 40, 100]  # the 256 px bound is 40
    assert expected_work((1024, 768), multi) == pytest.approx(
        (EXPECTED_ITERATIONS * 128 * 96 + 40 * 256 * 192 + EXPECTED_ITERATIONS * 512 * 384) / 1e6)
    assert math.isfinite(expected_work((1, 4096), multi))


@pytest.mark.parametrize("tolerance", [-0.1, 1.0, float("nan"), float("inf"), "0.01", True])
def test_it_rejects_a_tolerance_that_is_not_a_share(params, tolerance):
    from engine import ParamError

    with pytest.raises(ParamError, match="tolerance"):
        params.replace(tolerance=tolerance)


@pytest.mark.parametrize("name", ["exact_iterations", "multi_scale"])
def test_it_rejects_a_switch_that_is_not_true_or_false(params, name):
    from engine import ParamError

    with pytest.raises(ParamError, match=f"{name}: must be true or false"):
        params.replace(**{name: "yes"})
