"""Several GPUs: each worker process takes its own device from STYLE_DEVICES (by a lock the
operating system drops with the process), and nothing about it touches CUDA. Checked here with
real processes on a machine without a GPU."""
import multiprocessing
import os
import time

import pytest

from gallery.worker import devices

DEVICES = ["cuda:0", "cuda:1"]


def _claim_and_report(folder, queue, hold):
    """A worker process: claim a device, report it, hold it (until killed) when asked to."""
    devices._held.clear()
    queue.put((os.getpid(), devices.claim(DEVICES, folder)))
    if hold:
        time.sleep(60)


def _start(ctx, folder, queue, hold):
    proc = ctx.Process(target=_claim_and_report, args=(folder, queue, hold))
    proc.start()
    return proc


def test_each_worker_takes_its_own_device_and_a_dead_one_s_device_is_taken_again(tmp_path):
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    first = _start(ctx, tmp_path, queue, True)
    second = _start(ctx, tmp_path, queue, True)
    taken = dict(queue.get(timeout=30) for _ in range(2))
    assert sorted(taken.values()) == DEVICES  # never both on GPU 0
    third = _start(ctx, tmp_path, queue, False)  # more workers than GPUs: shares one
    assert queue.get(timeout=30)[1] in DEVICES
    third.join(30)
    first.kill()  # dies holding its device: the lock goes with it
    first.join(30)
    freed = taken[first.pid]
    replacement = _start(ctx, tmp_path, queue, False)
    assert queue.get(timeout=30)[1] == freed
    replacement.join(30)
    second.kill()
    second.join(30)


def test_without_a_list_every_worker_uses_style_device(settings):
    settings.STYLE_DEVICES = []
    settings.STYLE_DEVICE = "cpu"
    assert devices.worker_device() == "cpu"


def test_the_worker_s_engine_settings_carry_its_device(settings, tmp_path, monkeypatch):
    from gallery.worker import conf

    monkeypatch.setattr(devices, "_held", {})
    settings.STYLE_DEVICES = ["cuda:3"]
    settings.DATA_DIR = tmp_path
    assert conf.engine_settings()["device"] == "cuda:3"
    assert (tmp_path / "devices" / "device-0.lock").read_text().strip() == str(os.getpid())


@pytest.mark.parametrize("name", ["cuda:0", "cuda:12", "auto", "cpu", "cuda"])
def test_device_names_with_an_index_are_valid_parameters(name):
    from engine.params import StyleParams, is_device

    assert is_device(name) and StyleParams(device=name).device == name


@pytest.mark.parametrize("name", ["gpu", "cuda:", "cuda:x", "cuda:-1", "", None])
def test_other_device_names_are_refused(name):
    from engine.params import ParamError, StyleParams

    with pytest.raises(ParamError, match="device"):
        StyleParams(device=name)
