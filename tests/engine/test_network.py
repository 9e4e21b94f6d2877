"""The transformer network and its file: any size and aspect, output in [0, 1], deterministic
`apply`, and every wrong file refused with a clear error."""
import numpy as np
import pytest
import torch
from PIL import Image

from engine import EngineError
from engine.network import (
    NetworkError, TransformerNet, apply, load_network, network_file, read_network_file,
    save_network,
)


@pytest.fixture(scope="module")
def net():
    """Random weights: these tests check shapes, ranges and plumbing, not the painting."""
    torch.manual_seed(0)
    return TransformerNet(width=8, blocks=2).eval()


@pytest.mark.parametrize("h, w", [(32, 32), (37, 53), (61, 17), (8, 9), (128, 96)])
def test_any_size_and_aspect_comes_out_the_same_size_in_range(net, h, w):
    with torch.no_grad():
        out = net(torch.rand(2, 3, h, w))
    assert out.shape == (2, 3, h, w)
    assert out.min() >= 0 and out.max() <= 1


def test_apply_resizes_to_the_long_side_and_is_deterministic(net, content):
    a = apply(net, content, 64)
    b = apply(net, content, 64)
    assert a.size == (64, 48) and a.mode == "RGB"
    assert a.tobytes() == b.tobytes()
    assert apply(net, content).size == content.size  # no size: the photo's own


def test_apply_refuses_sizes_it_cannot_paint(net, content):
    with pytest.raises(EngineError, match="size"):
        apply(net, content, 0)
    with pytest.raises(EngineError, match="at least 8 px"):
        apply(net, Image.new("RGB", (50, 7)))


def test_a_network_file_round_trips_in_half_precision(net, content, tmp_path):
    path = save_network(network_file(net, {"styles": ["x"]}), tmp_path / "net.pt")
    loaded, record = load_network(path)
    assert record == {"styles": ["x"]}
    assert (loaded.width, loaded.blocks) == (8, 2)
    # Half precision changes pixels by at most a level or two, never the picture.
    a = np.asarray(apply(net, content, 64), dtype=int)
    b = np.asarray(apply(loaded, content, 64), dtype=int)
    assert np.abs(a - b).max() <= 3
    # It loads with weights_only=True: no pickled code.
    assert torch.load(path, weights_only=True)["format"] == "style-gallery-network"
    assert [p.name for p in tmp_path.iterdir()] == ["net.pt"]  # no temporary left


def test_wrong_files_are_refused_with_a_clear_error(net, tmp_path):
    good = save_network(network_file(net, {}), tmp_path / "good.pt").read_bytes()
    cases = {
        "missing.pt": None,
        "text.pt": b"hello",
        "truncated.pt": good[: len(good) // 2],
    }
    for name, data in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
        with pytest.raises(NetworkError):
            load_network(tmp_path / name)
    torch.save({"some": "dict"}, tmp_path / "foreign.pt")
    with pytest.raises(NetworkError, match="not a style network"):
        load_network(tmp_path / "foreign.pt")
    wrong = network_file(net, {})
    wrong["architecture"] = {"width": 16, "blocks": 2}
    save_network(wrong, tmp_path / "wrong.pt")
    with pytest.raises(NetworkError, match="do not fit"):
        load_network(tmp_path / "wrong.pt")
    newer = network_file(net, {}) | {"format_version": 99}
    save_network(newer, tmp_path / "newer.pt")
    with pytest.raises(NetworkError, match="version 99"):
        read_network_file(tmp_path / "newer.pt")
