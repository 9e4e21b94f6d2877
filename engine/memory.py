"""How much memory a painting needs, from its size, before anything is allocated.

Measured with bench/memory.py on the CPU (two L-BFGS iterations at one scale; the peak resident
memory of the run above the idle process that has imported torch and the engine). The peak grows
with the pixels of the full size (VGG's activations and their gradients dominate), and with the
painting's own pixels (style_scale squared) while its Gram targets are computed.
"""
from __future__ import annotations

from .params import ParamError

# bytes = FIXED + PER_PIXEL * (pixels of the result); per backbone. Least-squares lines through
# 256 to 1536 px (VGG16, the real weights: 0.20, 0.57, 1.02, 1.90 and 3.80 GB at 256, 512, 768,
# 1024 and 1536 px) and 256 to 1024 px (VGG19, random weights: 0.39, 0.76, 1.96 GB).
FIXED = {"vgg16": 151_000_000, "vgg19": 338_000_000}
PER_PIXEL = {"vgg16": 2246, "vgg19": 2260}
# Headroom for what the measurement did not see (other styles, allocator fragmentation).
MARGIN = 1.15


def estimate_peak(pixels: int, backbone: str = "vgg19", style_scale: float = 1.0) -> float:
    """Bytes a run needs above an idle worker, for a result of `pixels` pixels."""
    painting = pixels * max(1.0, style_scale) ** 2
    return MARGIN * (FIXED[backbone] + PER_PIXEL[backbone] * max(pixels, painting))


def check_fits(pixels: int, size: int, backbone: str, style_scale: float, free: int) -> None:
    """ParamError("size", ...) when a result of `pixels` pixels would not fit in `free` bytes."""
    need = estimate_peak(pixels, backbone, style_scale)
    if need > free:
        gb = 1024 ** 3
        raise ParamError("size", f"a {size} px painting needs about {need / gb:.1f} GB of memory "
                                 f"and this machine has {free / gb:.1f} GB free; choose a smaller size")
