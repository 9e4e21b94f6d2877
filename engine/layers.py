"""VGG layer names (`relu{block}_{n}`) and their indices in torchvision's `features` stack.

Torch-free on purpose: the gallery's forms and serializers validate layer choices through
`engine.params`, and the web process should not pay for importing torch to do so.
"""
from __future__ import annotations

# torchvision's `models/vgg.py` configuration table, `cfgs["D"]` (VGG16) and `cfgs["E"]`
# (VGG19): a number is a 3x3 convolution with that many channels (each followed by a ReLU),
# "M" a 2x2 max pooling. Copied as literals; tests/engine/test_backbone.py checks them against
# torchvision's.
CONFIGS: dict[str, tuple[int | str, ...]] = {
    "vgg16": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"),
    "vgg19": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"),
}
TORCHVISION_CONFIG = {"vgg16": "D", "vgg19": "E"}  # the letters of torchvision's `cfgs`


def relu_indices(config) -> dict[str, int]:
    """relu{block}_{n} -> index in `features`, walking the config as `make_layers` builds it."""
    names, index, block, n = {}, 0, 1, 0
    for entry in config:
        if entry == "M":
            index, block, n = index + 1, block + 1, 0
        else:  # a 3x3 convolution followed by its ReLU
            n += 1
            names[f"relu{block}_{n}"] = index + 1
            index += 2
    return names


LAYER_INDEX: dict[str, dict[str, int]] = {name: relu_indices(c) for name, c in CONFIGS.items()}
# The ordered relu layer names of each backbone; params.py validates layer choices against it.
LAYER_NAMES: dict[str, tuple[str, ...]] = {name: tuple(ix) for name, ix in LAYER_INDEX.items()}


def min_side(layer: str) -> int:
    """The smallest image side that still reaches `layer`: each 2x2 pooling before it halves."""
    block = int(layer.removeprefix("relu").split("_")[0])
    return 2 ** (block - 1)
