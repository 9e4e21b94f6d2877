"""The VGG feature extractor: layer names, cutting, freezing, normalizing, loading weights."""
import urllib.error

import pytest
import torch

from engine import WeightsError, load_backbone
from engine.backbone import IMAGENET_MEAN, IMAGENET_STD, LAYER_INDEX, LAYER_NAMES, _features


def test_layer_names_follow_torchvision_s_configurations():
    assert len(LAYER_NAMES["vgg16"]) == 13 and len(LAYER_NAMES["vgg19"]) == 16
    assert LAYER_NAMES["vgg19"][:3] == ("relu1_1", "relu1_2", "relu2_1")
    # The indices of ../shared/weights/README.md.
    assert LAYER_INDEX["vgg16"] == {
        "relu1_1": 1, "relu1_2": 3, "relu2_1": 6, "relu2_2": 8, "relu3_1": 11, "relu3_2": 13,
        "relu3_3": 15, "relu4_1": 18, "relu4_2": 20, "relu4_3": 22, "relu5_1": 25,
        "relu5_2": 27, "relu5_3": 29}
    assert LAYER_INDEX["vgg19"]["relu4_2"] == 22 and LAYER_INDEX["vgg19"]["relu5_1"] == 29


def test_the_torch_free_layer_table_is_torchvision_s():
    from torchvision.models import vgg as tv_vgg

    from engine.layers import CONFIGS, TORCHVISION_CONFIG, relu_indices

    for backbone, letter in TORCHVISION_CONFIG.items():
        assert list(CONFIGS[backbone]) == tv_vgg.cfgs[letter]
        assert LAYER_INDEX[backbone] == relu_indices(tv_vgg.cfgs[letter])
    # And it is what torchvision builds: every named index is a ReLU.
    features = tv_vgg.make_layers(tv_vgg.cfgs["E"])
    assert all(isinstance(features[i], torch.nn.ReLU) for i in LAYER_INDEX["vgg19"].values())


def test_the_engine_builds_torchvision_s_layers_without_importing_it():
    from torchvision.models import vgg as tv_vgg

    from engine.backbone import _make_layers
    from engine.layers import CONFIGS, TORCHVISION_CONFIG

    for backbone, letter in TORCHVISION_CONFIG.items():
        ours, theirs = _make_layers(CONFIGS[backbone]), tv_vgg.make_layers(tv_vgg.cfgs[letter])
        assert [repr(m) for m in ours] == [repr(m) for m in theirs]
        assert {k: v.shape for k, v in ours.state_dict().items()} == {
            k: v.shape for k, v in theirs.state_dict().items()}


def test_painting_with_a_local_weights_file_never_imports_torchvision(vgg16_weights):
    import subprocess
    import sys

    code = ("import sys, torch; from engine import load_backbone; "
            f"load_backbone('vgg16', {str(vgg16_weights)!r})(torch.rand(1, 3, 32, 32)); "
            "print('torchvision' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_it_is_cut_after_the_deepest_layer_in_use(vgg16_weights):
    net = load_backbone("vgg16", str(vgg16_weights), last_layer="relu3_1")
    assert len(net.layers) == LAYER_INDEX["vgg16"]["relu3_1"] + 1
    assert list(net(torch.rand(1, 3, 32, 32))) == [
        "relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1"]


def test_it_returns_only_the_layers_asked_for(vgg16_weights):
    net = load_backbone("vgg16", str(vgg16_weights))
    features = net(torch.rand(1, 3, 32, 32), {"relu2_1", "relu4_2"})
    assert set(features) == {"relu2_1", "relu4_2"}
    assert features["relu4_2"].shape == (1, 512, 4, 4)


def test_it_is_frozen_and_in_eval_mode(vgg16_weights):
    net = load_backbone("vgg16", str(vgg16_weights))
    assert not net.training
    assert not any(p.requires_grad for p in net.parameters())


def test_it_normalizes_its_own_input_with_imagenet_statistics(vgg16_weights):
    net = load_backbone("vgg16", str(vgg16_weights), last_layer="relu1_1")
    x = torch.rand(1, 3, 16, 16)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    conv = net.layers[0]
    expected = torch.relu(
        torch.nn.functional.conv2d((x - mean) / std, conv.weight, conv.bias, padding=1))
    assert torch.allclose(net(x)["relu1_1"], expected, atol=1e-4)


def test_the_weights_load_once_per_process_and_are_shared_by_every_cut(vgg16_weights):
    a = load_backbone("vgg16", str(vgg16_weights), last_layer="relu5_1")
    assert load_backbone("vgg16", str(vgg16_weights), last_layer="relu5_1") is a
    b = load_backbone("vgg16", str(vgg16_weights), pooling="avg", last_layer="relu2_1")
    assert b.layers[0] is a.layers[0]
    assert isinstance(b.layers[4], torch.nn.AvgPool2d)
    assert isinstance(a.layers[4], torch.nn.MaxPool2d)


def test_it_loads_a_full_model_state_dict_ignoring_the_classifier(vgg16_weights, tmp_path):
    state = torch.load(vgg16_weights, weights_only=True)
    full = {f"features.{k}": v for k, v in state.items()}
    full["classifier.0.weight"] = torch.zeros(2, 2)
    path = tmp_path / "vgg16-full.pth"
    torch.save(full, path)
    x = torch.rand(1, 3, 16, 16)
    mine = load_backbone("vgg16", str(path), last_layer="relu2_1")(x)["relu2_1"]
    features_only = load_backbone("vgg16", str(vgg16_weights), last_layer="relu2_1")(x)["relu2_1"]
    assert torch.equal(mine, features_only)


def test_it_rejects_a_weights_file_of_the_wrong_shape_naming_the_right_backbone(vgg16_weights):
    with pytest.raises(WeightsError, match="holds vgg16 weights, not vgg19.*--backbone vgg16"):
        load_backbone("vgg19", str(vgg16_weights))


def test_it_rejects_a_state_dict_that_fits_no_vgg(tmp_path):
    path = tmp_path / "odd.pth"
    torch.save({"0.weight": torch.zeros(3, 3, 3, 3), "0.bias": torch.zeros(3)}, path)
    with pytest.raises(WeightsError, match="does not fit vgg16"):
        load_backbone("vgg16", str(path))


def test_a_missing_weights_file_names_both_remedies(tmp_path):
    with pytest.raises(WeightsError) as error:
        load_backbone("vgg19", str(tmp_path / "nowhere.pth"))
    message = str(error.value)
    assert "not found" in message and "--weights" in message and "STYLE_WEIGHTS" in message
    assert "download" in message


def test_a_file_that_is_not_a_state_dict_is_a_weights_error(tmp_path):
    path = tmp_path / "junk.pth"
    path.write_bytes(b"this is not a checkpoint")
    with pytest.raises(WeightsError, match="not a PyTorch state dict"):
        load_backbone("vgg16", str(path))


def test_without_a_download_torchvision_weights_fail_naming_both_remedies(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(WeightsError) as error:
        load_backbone("vgg19", None)
    message = str(error.value)
    assert "could not download" in message and "--weights" in message and "STYLE_WEIGHTS" in message
    assert not list(tmp_path.rglob("*.pth"))  # no half-written cache file


def test_random_weights_only_when_asked_for_and_the_same_every_time():
    net = load_backbone("vgg16", "random", last_layer="relu1_1")
    assert net.layers[0].weight.abs().sum() > 0

    again = _features.__wrapped__("vgg16", "random", "cpu")  # built afresh, not from the cache
    assert torch.equal(again[0].weight, net.layers[0].weight)
