"""Refusing a size that cannot fit before any work, from the measured estimate of its peak."""
import pytest

from engine import ParamError, stylize
from engine.memory import estimate_peak

GB = 1024 ** 3


def test_the_estimate_grows_with_the_pixels_and_the_painting_s_scale():
    assert estimate_peak(512 * 384, "vgg16") < estimate_peak(1024 * 768, "vgg16")
    assert estimate_peak(1024 * 768, "vgg16") < estimate_peak(1024 * 768, "vgg16", 2.0)
    # bench/memory.py measured 0.57 GB above idle at 512x384 and 3.80 GB at 1536x1152 (VGG16).
    assert 0.57 * GB < estimate_peak(512 * 384, "vgg16") < 0.8 * GB
    assert 3.8 * GB < estimate_peak(1536 * 1152, "vgg16") < 5 * GB


def test_a_size_that_cannot_fit_is_refused_at_the_call_and_one_that_can_is_accepted(
        content, style, params):
    big = params.replace(size=1536)
    with pytest.raises(ParamError, match="size: a 1536 px painting needs about .* GB of memory"):
        stylize(content, [style], big, free_memory=2 * GB)
    stylize(content, [style], big, free_memory=8 * GB).close()  # accepted: nothing run yet
    small = params.replace(iterations=1)
    assert len(list(stylize(content, [style], small, free_memory=1 * GB))) == 1


def test_without_a_limit_it_asks_the_device_what_is_free(content, style, params, monkeypatch):
    import engine.loop

    monkeypatch.setattr(engine.loop, "device_free_memory", lambda device: 100 * 1024 ** 2)
    with pytest.raises(ParamError, match="size"):
        stylize(content, [style], params)
    monkeypatch.undo()
    stylize(content, [style], params).close()
