"""`python -m engine stylize`: it writes the picture, or fails in one line with status 2 and
writes nothing."""
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from engine import StyleParams
from engine.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small(tmp_path, content, style):
    """Small copies of the shared images (fast to decode) and a place for the output."""
    content.save(tmp_path / "content.png")
    style.save(tmp_path / "style.png")
    return tmp_path


def args(small, vgg16_weights, *extra):
    return ["stylize", str(small / "content.png"), str(small / "style.png"), "-o",
            str(small / "out.png"), "--size", "40", "--iterations", "3", "--backbone", "vgg16",
            "--weights", str(vgg16_weights), "--device", "cpu", "--seed", "0", *extra]


def outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in ("content.png", "style.png"))


def test_it_writes_the_picture_and_prints_the_losses(small, vgg16_weights, capsys):
    assert main(args(small, vgg16_weights)) == 0
    out, err = capsys.readouterr()
    assert Image.open(small / "out.png").size == (40, 30)
    assert "losses: content" in out and "style" in out and "tv" in out and "total" in out
    assert "seed 0" in out
    assert "stopped after iteration 3: the last of --iterations" in out
    assert "iteration 3/3" in err  # not a terminal: plain lines


def test_it_says_when_the_painting_converged_before_the_last_iteration(small, vgg16_weights, capsys):
    assert main(args(small, vgg16_weights, "--iterations", "50", "--tolerance", "0.5")) == 0
    assert "stopped after iteration 11: the painting had converged" in capsys.readouterr().out
    assert main(args(small, vgg16_weights, "--iterations", "13", "--tolerance", "0.5",
                     "--exact-iterations")) == 0
    assert "stopped after iteration 13: the last of --iterations" in capsys.readouterr().out


def test_snapshots_go_to_the_snapshot_folder(small, vgg16_weights, tmp_path_factory):
    snaps = tmp_path_factory.mktemp("snaps")
    assert main(args(small, vgg16_weights, "--iterations", "4", "--snapshot-every", "2",
                     "--snapshot-dir", str(snaps))) == 0
    assert outputs(snaps) == ["out_00002.png"]  # the last one is the output itself
    assert (small / "out.png").is_file()


def test_without_a_snapshot_folder_only_the_picture_is_written(small, vgg16_weights):
    assert StyleParams().snapshot_every > 0  # the engine makes snapshots by default
    assert main(args(small, vgg16_weights, "--iterations", "4", "--snapshot-every", "2")) == 0
    assert outputs(small) == ["out.png"]


def test_a_snapshot_folder_alone_takes_the_default_cadence(small, vgg16_weights, tmp_path_factory):
    snaps = tmp_path_factory.mktemp("snaps")
    every = StyleParams().snapshot_every
    assert main(args(small, vgg16_weights, "--iterations", str(every + 1),
                     "--snapshot-dir", str(snaps))) == 0
    assert outputs(snaps) == [f"out_{every:05d}.png"]


def test_multi_scale_and_every_option_are_accepted(small, vgg16_weights, the_scream):
    argv = args(small, vgg16_weights, "--scales", "24,32",
                     "--iterations", "3", "--optimizer", "adam", "--learning-rate", "0.05",
                     "--beta1", "0.8", "--beta2", "0.99", "--epsilon", "1e-6",
                     "--style-blend-weights", "1", "2", "--style-layer-weight-exp", "1",
                     "--content-weight-blend", "0.5", "--style-scale", "0.5", "--init", "noise",
                     "--preserve-colors", "--match-histogram", "--pooling", "avg",
                     "--content-weight", "2", "--style-weight", "5", "--tv-weight", "1")
    argv.insert(3, str(the_scream))  # a second style image
    assert main(argv) == 0
    assert (small / "out.png").is_file()


def test_its_defaults_are_style_params_defaults():
    parser = build_parser()
    for action in parser._subparsers._group_actions[0].choices["stylize"]._actions:
        if action.dest in {f.name for f in dataclasses.fields(StyleParams)}:
            assert action.default == "==SUPPRESS=="  # StyleParams fills in what is not given
    assert f"Default: {StyleParams().size} px." in " ".join(
        a.help for a in parser._subparsers._group_actions[0].choices["stylize"]._actions if a.help)


def test_environment_variables_choose_the_weights_and_backbone(small, vgg16_weights, capsys):
    argv = ["stylize", str(small / "content.png"), str(small / "style.png"), "-o",
            str(small / "out.png"), "--size", "32", "--iterations", "1", "--device", "cpu"]
    env = {"STYLE_WEIGHTS": str(vgg16_weights), "STYLE_BACKBONE": "vgg16", "STYLE_DEVICE": "cpu"}
    assert main(argv, environ=env) == 0
    env["STYLE_BACKBONE"] = "vgg19"
    (small / "out.png").unlink()
    assert main(argv, environ=env) == 2
    assert "holds vgg16 weights" in capsys.readouterr().err


def fails(small, argv, capsys, expected: str):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and expected in err, err
    assert outputs(small) == []


def test_it_rejects_a_content_file_that_is_not_an_image(small, vgg16_weights, capsys):
    (small / "content.png").write_text("hello")
    fails(small, args(small, vgg16_weights), capsys, "not an image")


def test_it_rejects_a_missing_style_file(small, vgg16_weights, capsys):
    (small / "style.png").unlink()
    fails(small, args(small, vgg16_weights), capsys, "Cannot open")


def test_it_rejects_negative_iterations(small, vgg16_weights, capsys):
    fails(small, args(small, vgg16_weights, "--iterations", "-5"), capsys, "--iterations: must be")


def test_it_rejects_an_unknown_layer(small, vgg16_weights, capsys):
    fails(small, args(small, vgg16_weights, "--style-layers", "relu1_1,relu9_9"), capsys,
          "unknown layer relu9_9")


def test_it_rejects_a_weights_file_of_the_wrong_shape(small, vgg16_weights, capsys):
    fails(small, args(small, vgg16_weights, "--backbone", "vgg19"), capsys, "holds vgg16 weights")


def test_it_rejects_a_missing_weights_file(small, vgg16_weights, capsys):
    fails(small, args(small, vgg16_weights, "--weights", str(small / "none.pth")), capsys,
          "STYLE_WEIGHTS")


def test_it_rejects_an_unknown_option_in_one_line(small, vgg16_weights, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args(small, vgg16_weights, "--colour", "red"))
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert outputs(small) == []


def test_it_rejects_an_output_name_it_cannot_write(small, vgg16_weights, capsys):
    argv = args(small, vgg16_weights)
    argv[argv.index("-o") + 1] = str(small / "out.gif")
    fails(small, argv, capsys, ".png, .jpg or .jpeg")


def test_python_dash_m_engine_runs_end_to_end(small, vgg16_weights):
    env = {**os.environ, "STYLE_WEIGHTS": str(vgg16_weights), "STYLE_BACKBONE": "vgg16"}
    argv = [sys.executable, "-m", "engine", *args(small, vgg16_weights)[:-6]]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert Image.open(small / "out.png").size == (40, 30)
