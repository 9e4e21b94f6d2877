"""Choosing the device: CUDA when asked for or available, else the CPU with all its cores."""
from __future__ import annotations

import functools
import os

import torch

from .params import ParamError, is_device


def resolve_device(name: str = "auto") -> torch.device:
    """"auto" -> cuda if available, else cpu; "cuda:N" the N-th GPU. Asking for a GPU this
    machine does not have is a ParamError."""
    if not is_device(name):
        raise ParamError("device", "must be one of auto, cpu, cuda or cuda:N")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        _use_all_cores()
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ParamError("device", "CUDA is not available on this machine; use cpu or auto")
    device = torch.device(name)
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise ParamError("device", f"this machine has {torch.cuda.device_count()} GPU(s); "
                                   f"{name} is not one of them")
    _repeatable_cuda()
    return device


@functools.cache
def _use_all_cores() -> None:
    """Once per process: torch's default may be fewer threads than the cores we may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(max(1, cores or 1))


@functools.cache
def _repeatable_cuda() -> None:
    """Same seed, same pixels: no autotuned (run-dependent) convolution algorithms."""
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True


def free_memory(device: torch.device) -> int:
    """Bytes a run may still allocate on `device`: the GPU's free memory, or the memory the
    operating system says is available to a new allocation without swapping."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
