"""`python -m engine train` and `apply`: they write the network and the picture, a killed training
resumes from its checkpoint, and every bad input is one line, exit status 2, nothing written."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from engine.cli import main
from engine.network import TransformerNet, network_file, save_network

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path, content, style):
    """A photos folder with two small photos and a note, the painting, and room for outputs."""
    photos = tmp_path / "photos"
    photos.mkdir()
    content.save(photos / "a.png")
    content.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(photos / "b.jpg")
    (photos / "notes.txt").write_text("not a photo: skipped")
    style.save(tmp_path / "style.png")
    (tmp_path / "out").mkdir()
    return tmp_path


def train_args(folder, vgg16_weights, *extra):
    return ["train", str(folder / "style.png"), "--photos", str(folder / "photos"),
            "-o", str(folder / "out" / "net.pt"), "--size", "32", "--steps", "3", "--batch", "1",
            "--backbone", "vgg16", "--weights", str(vgg16_weights), "--device", "cpu",
            "--seed", "1", *extra]


def written(folder) -> list[str]:
    return sorted(p.name for p in (folder / "out").iterdir())


def test_train_writes_a_network_that_apply_paints_with(folder, vgg16_weights, capsys):
    assert main(train_args(folder, vgg16_weights, "--width", "8", "--blocks", "1")) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "after 3 steps" in out and "seed 1" in out
    assert written(folder) == ["net.pt"]  # the checkpoint is gone once the network is done
    record = torch.load(folder / "out" / "net.pt", weights_only=True)["record"]
    assert record["styles"] == ["style"] and record["training_set"] == {"name": "photos",
                                                                       "photos": 2}
    assert main(["apply", str(folder / "out" / "net.pt"), str(folder / "photos" / "a.png"),
                 "-o", str(folder / "out" / "painted.jpg"), "--size", "40"]) == 0
    assert Image.open(folder / "out" / "painted.jpg").size == (40, 30)


def test_samples_go_to_the_sample_folder(folder, vgg16_weights):
    samples = folder / "samples"
    samples.mkdir()
    assert main(train_args(folder, vgg16_weights, "--sample-every", "2", "--sample-dir",
                           str(samples))) == 0
    assert sorted(p.name for p in samples.iterdir()) == ["net_000002.png", "net_000003.png"]


def test_a_killed_training_resumes_from_its_checkpoint(folder, vgg16_weights, capsys):
    argv = train_args(folder, vgg16_weights, "--steps", "4", "--checkpoint-every", "2")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Killed (KeyboardInterrupt) after step 3: the checkpoint of step 2 is on disk.
    code = ("import sys, engine.training as t\n"
            "real = t._run\n"
            "def dying(*a, **k):\n"
            "    for s in real(*a, **k):\n"
            "        yield s\n"
            "        if s.step == 3: raise KeyboardInterrupt\n"
            "t._run = dying\n"
            "from engine.cli import main\n"
            f"sys.exit(main({argv!r}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 130, done.stderr
    assert "the same command resumes from its last checkpoint" in done.stderr
    assert written(folder) == ["net.pt.ckpt"]
    capsys.readouterr()
    assert main(argv) == 0
    assert "(step 2)" in capsys.readouterr().err  # "resuming from ... (step 2)"
    assert written(folder) == ["net.pt"]
    resumed = torch.load(folder / "out" / "net.pt", weights_only=True)
    (folder / "out" / "net.pt").unlink()
    assert main(argv) == 0  # the same run, never interrupted
    whole = torch.load(folder / "out" / "net.pt", weights_only=True)
    assert all(torch.equal(resumed["state_dict"][k], whole["state_dict"][k])
               for k in whole["state_dict"])


def fails(folder, argv, capsys, expected: str):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and expected in err, err
    assert written(folder) == []


def test_train_rejects_a_folder_without_photos(folder, vgg16_weights, capsys):
    for photo in (folder / "photos").glob("*.*g"):
        photo.unlink()
    fails(folder, train_args(folder, vgg16_weights), capsys, "has no photo we can read")


def test_train_rejects_bad_arguments(folder, vgg16_weights, capsys):
    fails(folder, train_args(folder, vgg16_weights, "--steps", "0"), capsys, "--steps: must be")
    fails(folder, train_args(folder, vgg16_weights, "--batch", "0"), capsys, "--batch: must be")
    fails(folder, train_args(folder, vgg16_weights, "--photos", str(folder / "none")), capsys,
          "does not exist")
    argv = train_args(folder, vgg16_weights)
    argv[argv.index("-o") + 1] = str(folder / "out" / "net.png")
    fails(folder, argv, capsys, ".pt or .pth")
    with pytest.raises(SystemExit) as exit_:
        main(train_args(folder, vgg16_weights, "--colour", "red"))
    assert exit_.value.code == 2 and written(folder) == []


def test_apply_rejects_wrong_and_truncated_network_files(folder, capsys):
    photo = str(folder / "photos" / "a.png")
    out = str(folder / "out" / "painted.png")
    good = save_network(network_file(TransformerNet(8, 1), {}), folder / "good.pt").read_bytes()
    (folder / "truncated.pt").write_bytes(good[:1000])
    (folder / "text.pt").write_text("hello")
    for name, expected in [("truncated.pt", "truncated or damaged"),
                           ("text.pt", "not a style network file"),
                           ("missing.pt", "does not exist")]:
        fails(folder, ["apply", str(folder / name), photo, "-o", out], capsys, expected)
    fails(folder, ["apply", str(folder / "good.pt"), str(folder / "style.png.missing"), "-o", out],
          capsys, "Cannot open")
    fails(folder, ["apply", str(folder / "good.pt"), photo, "-o", out, "--size", "0"], capsys,
          "size must be")
