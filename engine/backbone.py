"""The VGG feature extractor: truncated, frozen, self-normalizing, features by layer name.

Built from the configuration table in layers.py (torchvision's `cfgs`, checked against it in
the tests), the layers made as torchvision's `make_layers` makes them, so its state dicts load.
torchvision itself is imported only to download its weights: importing it costs 160 MB of
resident memory that a worker with a local weights file never needs. Weights are loaded lazily and once per
process: the worker runs many jobs in one process.
"""
from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlparse

import torch
from torch import nn

from .errors import WeightsError
from .layers import CONFIGS, LAYER_INDEX, LAYER_NAMES, TORCHVISION_CONFIG, min_side  # noqa: F401

# ImageNet statistics; every torchvision VGG (and ../shared's VGG16 file) expects this input.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


_REMEDIES = (
    "give a local VGG state dict with --weights or the STYLE_WEIGHTS environment variable, "
    "or allow torchvision to download its ImageNet weights (network access, cached under "
    f"{torch.hub.get_dir()})"
)


class VGGFeatures(nn.Module):
    """VGG `features` cut after the deepest requested layer; returns {layer name: activation}.

    Input: RGB in [0, 1], shape (B, 3, H, W); the ImageNet normalization happens here.
    """

    def __init__(self, layers: nn.Sequential, index: dict[str, int]):
        super().__init__()
        self.layers = layers
        self.index = {name: i for name, i in index.items() if i < len(layers)}
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, image: torch.Tensor, layers=None) -> dict[str, torch.Tensor]:
        """Activations of `layers` (default: every named layer kept); stops after the deepest."""
        wanted = {i: name for name, i in self.index.items() if layers is None or name in layers}
        x = ((image - self.mean) / self.std).contiguous(memory_format=torch.channels_last)
        out = {}
        for i, layer in enumerate(self.layers[: max(wanted) + 1]):
            x = layer(x)
            if i in wanted:
                out[wanted[i]] = x  # (B, C, H, W), channels_last
        return out


def load_backbone(
    backbone: str = "vgg19",
    weights: str | None = None,
    *,
    pooling: str = "max",
    device: str | torch.device = "cpu",
    last_layer: str | None = None,
) -> VGGFeatures:
    """The frozen extractor, cut after `last_layer` (default: the deepest relu).

    weights: None for torchvision's ImageNet weights, a path of a local state dict (full model
    or `features` only), or "random" (tests only). The convolutions are loaded once per process
    and shared by every cut and pooling; building a cut is cheap.
    """
    if backbone not in TORCHVISION_CONFIG:
        raise ValueError(f"unknown backbone {backbone!r}")
    if last_layer is not None and last_layer not in LAYER_INDEX[backbone]:
        raise ValueError(f"unknown layer {last_layer!r} for {backbone}")
    if weights not in (None, "random"):
        weights = str(Path(weights).expanduser().resolve())
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    return _cut(backbone, weights, pooling, str(device), last_layer or LAYER_NAMES[backbone][-1])


@functools.lru_cache(maxsize=16)
def _cut(backbone: str, weights: str | None, pooling: str, device: str,
         last_layer: str) -> VGGFeatures:
    full = _features(backbone, weights, device)
    end = LAYER_INDEX[backbone][last_layer] + 1
    # Pooling layers hold no weights, so avg pooling is just different modules around the
    # same shared convolutions. Gatys et al. (2016) prefer avg; max is the usual default.
    layers = [
        nn.AvgPool2d(2, 2) if isinstance(m, nn.MaxPool2d) and pooling == "avg" else m
        for m in full[:end]
    ]
    return VGGFeatures(nn.Sequential(*layers), LAYER_INDEX[backbone]).to(device).eval()


@functools.lru_cache(maxsize=4)
def _features(backbone: str, weights: str | None, device: str) -> nn.Sequential:
    """The whole `features` stack with its weights, frozen, on `device`; loaded once."""
    config = CONFIGS[backbone]
    if weights == "random":
        # Fixed seed, without touching the caller's RNG: random weights are repeatable too.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            features = _make_layers(config)
            for m in features.modules():
                if isinstance(m, nn.Conv2d):  # torchvision's VGG init
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    nn.init.zeros_(m.bias)
    else:
        state = _state_dict(backbone, weights)
        # Built on the meta device and given the loaded tensors: no throwaway random init.
        # Not vgg19(): its classifier alone would cost 400 MB of RAM for nothing.
        with torch.device("meta"):
            features = _make_layers(config)
        try:
            features.load_state_dict(state, assign=True)
        except RuntimeError as error:
            raise WeightsError(_mismatch(backbone, weights, state, error)) from None
    features.requires_grad_(False).eval()
    for p in features.parameters():
        # channels_last: 0.91x the time of the default layout on our CPUs (DESIGN.md). A copy
        # of every tensor, so none keeps the memory-mapped file (all its pages) alive.
        layout = torch.channels_last if p.dim() == 4 else torch.contiguous_format
        p.data = p.data.to(device).clone(memory_format=layout)
    return features


def _make_layers(config) -> nn.Sequential:
    """VGG's `features` stack as torchvision's `make_layers(cfg)` builds it (same indices, so
    the same state dict keys): 3x3 convolutions with their ReLUs, "M" a 2x2 max pooling."""
    layers, channels = [], 3
    for entry in config:
        if entry == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, entry, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = entry
    return nn.Sequential(*layers)


def _state_dict(backbone: str, weights: str | None) -> dict[str, torch.Tensor]:
    """The `features` tensors of a full-model or features-only state dict, keys "0.weight"..."""
    path = Path(weights) if weights is not None else _torchvision_file(backbone)
    if not path.is_file():
        raise WeightsError(f"weights file {path} not found: {_REMEDIES}")
    try:
        try:  # mmap: the classifier of a full-model file is never read into memory
            state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError:  # files in torch's legacy format cannot be mapped
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many kinds for a file that is not a state dict
        raise WeightsError(f"weights file {path} is not a PyTorch state dict ({error})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not state:
        raise WeightsError(f"weights file {path} holds no state dict")
    if any(k.startswith("features.") for k in state):
        state = {k.removeprefix("features."): v for k, v in state.items()
                 if k.startswith("features.")}
    return state


def _torchvision_file(backbone: str) -> Path:
    """torchvision's cached ImageNet weights file, downloaded on first use."""
    from torchvision.models import vgg as tv_vgg

    enum = {"vgg16": tv_vgg.VGG16_Weights, "vgg19": tv_vgg.VGG19_Weights}[backbone]
    url = enum.IMAGENET1K_V1.url
    name = Path(urlparse(url).path).name
    path = Path(torch.hub.get_dir()) / "checkpoints" / name
    if path.is_file():
        return path
    match = torch.hub.HASH_REGEX.search(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary name and renamed by torch: never a half-written cache file.
        torch.hub.download_url_to_file(url, str(path), match.group(1) if match else None,
                                       progress=False)
    except Exception as error:
        raise WeightsError(
            f"could not download torchvision's {backbone} ImageNet weights ({error}): {_REMEDIES}"
        ) from None
    return path


def _mismatch(backbone: str, weights: str | None, state: dict, error: RuntimeError) -> str:
    """A readable reason why `state` does not fit `backbone`, naming the backbone it does fit."""
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    for other, config in CONFIGS.items():
        with torch.device("meta"):
            layers = _make_layers(config)
        expected = {k: tuple(v.shape) for k, v in layers.state_dict().items()}
        if other != backbone and shapes == expected:
            return (f"weights file {weights} holds {other} weights, not {backbone}: "
                    f"choose --backbone {other} (STYLE_BACKBONE) or a {backbone} weights file")
    first = str(error).strip().splitlines()
    detail = next((line.strip() for line in first[1:] if line.strip()), first[0] if first else "")
    return f"weights file {weights} does not fit {backbone} ({detail})"
