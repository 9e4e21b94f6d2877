"""Which device a worker process paints on: with several GPUs, each worker takes its own.

STYLE_DEVICES lists the devices (e.g. "cuda:0,cuda:1"); each worker process, as it starts,
takes the first one no other live worker on this machine holds, by an exclusive lock on a file
per device in the data folder. The operating system drops a dead process's locks, so a worker
that django-q replaces (recycled, or killed) frees its device for its successor; no registry
to keep in step. More workers than devices share them, round-robin. Nothing here touches
CUDA: the cluster's parent process never does.
"""
from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

_held: dict[str, object] = {}  # this process's device and the open lock file that holds it


def claim(devices: list[str], folder: Path) -> str:
    """The device this process takes from `devices` (kept for its lifetime)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, device in enumerate(devices):
        lock = open(folder / f"device-{i}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        _held.update(device=device, lock=lock)
        return device
    device = devices[os.getpid() % len(devices)]
    log.warning("more workers than STYLE_DEVICES (%s): this one shares %s", devices, device)
    _held.update(device=device, lock=None)
    return device


def worker_device() -> str:
    """This worker process's device: its claimed one of STYLE_DEVICES, else STYLE_DEVICE."""
    if not settings.STYLE_DEVICES:
        return settings.STYLE_DEVICE
    if "device" not in _held:
        claim(list(settings.STYLE_DEVICES), Path(settings.DATA_DIR) / "devices")
    return _held["device"]
