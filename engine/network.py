"""The feed-forward transformer that paints a photo in one pass, and its file format.

Johnson, Alahi and Fei-Fei, "Perceptual Losses for Real-Time Style Transfer and Super-Resolution"
(arXiv 1603.08155), with instance normalization (Ulyanov et al., arXiv 1607.08022): reflection
padding, two strided convolutions down, residual blocks, and upsampling by resize + convolution
(Odena et al.: no checkerboard), output in [0, 1]. Each decoder level resizes to the exact size of
its encoder level, so any size and aspect goes through unchanged.

A network file is a plain dict that `torch.load(..., weights_only=True)` reads: its format tag,
the architecture, the weights (half precision in a finished network) and its record (styles,
backbone, training size and steps, losses, training set, engine version). A training checkpoint
is the same dict with the optimizer's state and the step it stopped after.
"""
from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from . import color
from .errors import EngineError
from .images import resize_long_side, to_image, to_tensor, write_atomically
from .params import TrainParams

FORMAT = "style-gallery-network"
FORMAT_VERSION = 1
# The architecture's defaults, chosen by measurement: see TrainParams.width.
DEFAULT_WIDTH = TrainParams.width
DEFAULT_BLOCKS = TrainParams.blocks
# Reflection padding needs more pixels than it pads: 9x9 at full size, 3x3 at a quarter.
MIN_SIDE = 8


class NetworkError(EngineError):
    """A network or checkpoint file cannot be used: missing, truncated, not ours, or damaged."""


class _Conv(nn.Sequential):
    """Reflection padding, then a convolution: no dark border from zero padding."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1):
        super().__init__(nn.ReflectionPad2d(kernel // 2), nn.Conv2d(cin, cout, kernel, stride))


class _ConvNormReLU(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1):
        super().__init__(_Conv(cin, cout, kernel, stride),
                         nn.InstanceNorm2d(cout, affine=True), nn.ReLU(inplace=True))


class _Residual(nn.Module):
    """Two 3x3 convolutions with instance norm, added to their input (Johnson's supplement)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            _ConvNormReLU(channels, channels, 3),
            _Conv(channels, channels, 3), nn.InstanceNorm2d(channels, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class TransformerNet(nn.Module):
    """Photo (B, 3, H, W) in [0, 1] -> painting (B, 3, H, W) in [0, 1]; any H, W >= MIN_SIDE."""

    def __init__(self, width: int = DEFAULT_WIDTH, blocks: int = DEFAULT_BLOCKS):
        super().__init__()
        self.width, self.blocks = width, blocks
        self.down = nn.ModuleList([
            _ConvNormReLU(3, width, 9),
            _ConvNormReLU(width, 2 * width, 3, stride=2),
            _ConvNormReLU(2 * width, 4 * width, 3, stride=2),
        ])
        self.residual = nn.Sequential(*(_Residual(4 * width) for _ in range(blocks)))
        self.up = nn.ModuleList([
            _ConvNormReLU(4 * width, 2 * width, 3),
            _ConvNormReLU(2 * width, width, 3),
        ])
        self.out = _Conv(width, 3, 9)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sizes = []
        for layer in self.down:
            sizes.append(x.shape[-2:])
            x = layer(x)
        x = self.residual(x)
        for layer, size in zip(self.up, reversed(sizes[1:])):
            # Resize to the encoder level's own size, then convolve: exact for odd sizes too.
            x = layer(F.interpolate(x, size=size, mode="nearest"))
        return torch.sigmoid(self.out(x))


def architecture(net: TransformerNet) -> dict:
    return {"width": net.width, "blocks": net.blocks}


def network_file(net: TransformerNet, record: dict, *, half: bool = True,
                 optimizer: dict | None = None, step: int | None = None) -> dict:
    """The dict a network (or, with `optimizer` and `step`, a checkpoint) file holds."""
    dtype = torch.float16 if half else torch.float32
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": architecture(net),
        "state_dict": {k: v.detach().to("cpu", dtype).clone() for k, v in net.state_dict().items()},
        "record": record,
    }
    if optimizer is not None:
        data["optimizer"], data["step"] = optimizer, step
    return data


def network_bytes(data: dict) -> bytes:
    """A network or checkpoint dict as the bytes of its file (for storage APIs)."""
    buffer = io.BytesIO()
    torch.save(data, buffer)
    return buffer.getvalue()


def save_network(data: dict, path: str | os.PathLike) -> Path:
    """Write a network or checkpoint dict to `path` through a temporary file renamed into place:
    a killed process never leaves a half-written file."""
    path = Path(path)
    try:
        return write_atomically(path, lambda f: torch.save(data, f))
    except OSError as exc:
        raise NetworkError(f"cannot write {path}: {exc.strerror or exc}") from exc


def read_network_file(source: str | os.PathLike | bytes) -> dict:
    """The checked dict of a network or checkpoint file (a path or its bytes)."""
    name = "the network file" if isinstance(source, bytes) else str(source)
    if not isinstance(source, bytes) and not Path(source).is_file():
        raise NetworkError(f"{name} does not exist")
    try:
        data = torch.load(io.BytesIO(source) if isinstance(source, bytes) else source,
                          map_location="cpu", weights_only=True)
    except Exception:  # torch raises many kinds for a truncated or foreign file
        raise NetworkError(f"{name} is not a style network file (truncated or damaged?)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NetworkError(f"{name} is not a style network file")
    if data.get("format_version") != FORMAT_VERSION:
        raise NetworkError(f"{name} has format version {data.get('format_version')}; "
                           f"this engine reads version {FORMAT_VERSION}")
    return data


def build_network(data: dict) -> TransformerNet:
    """The network a checked file dict describes, in float32, in eval mode."""
    arch = data.get("architecture") or {}
    try:
        net = TransformerNet(int(arch["width"]), int(arch["blocks"]))
        net.load_state_dict({k: v.float() for k, v in data["state_dict"].items()})
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise NetworkError(f"the network file's weights do not fit its architecture ({error})") \
            from None
    return net.eval()


def load_network(source: str | os.PathLike | bytes) -> tuple[TransformerNet, dict]:
    """(network, record) from a network or checkpoint file; NetworkError if it is unusable."""
    data = read_network_file(source)
    return build_network(data), dict(data.get("record") or {})


def apply(network: TransformerNet, image: Image.Image, size: int | None = None,
          *, device: str | torch.device = "cpu") -> Image.Image:
    """Paint `image` with one network; see `apply_blend`."""
    return apply_blend([network], [1.0], image, size, device=device)


@torch.inference_mode()
def apply_blend(networks: Sequence[TransformerNet], weights: Sequence[float], image: Image.Image,
                size: int | None = None, *, device: str | torch.device = "cpu",
                preserve_colors: bool = False) -> Image.Image:
    """Paint `image` in one forward pass; its long side becomes `size` (default: unchanged).

    Several networks (one per theme) are blended by their weights, picture by picture. Instance
    norm sees the whole picture at once (tiles would each get their own colours and seams), and
    inference mode frees every activation as soon as the next layer has used it: with the
    default width a 2048x1536 picture peaked at 2.1 GB resident in all, 1.4 GB above what
    importing torch takes (`engine apply --size 2048`, measured with /usr/bin/time). `preserve_colors` keeps the photo's
    colours (engine/color.py), as for a full painting.
    """
    if not networks or len(networks) != len(weights) or not all(w >= 0 for w in weights) \
            or not sum(weights) > 0:
        raise EngineError("needs one weight >= 0 per network, with a positive sum")
    if size is not None:
        if not isinstance(size, int) or isinstance(size, bool) or not 16 <= size <= 4096:
            raise EngineError("size must be an integer from 16 to 4096")
        image = resize_long_side(image, size)
    if min(image.size) < MIN_SIDE:
        raise EngineError(f"the picture is {image.size[0]}x{image.size[1]}; "
                          f"an instant network needs at least {MIN_SIDE} px on each side")
    x = to_tensor(image).unsqueeze(0).to(device)  # (1, 3, H, W)
    out = sum(w / sum(weights) * net.to(device).eval()(x)[0] for net, w in zip(networks, weights))
    if preserve_colors:
        out = color.preserve_colors(out.clamp(0, 1), x[0])
    return to_image(out)
