"""The web process validates parameters and uploads through the engine without importing torch."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_params_and_images_do_not_import_torch():
    code = ("import engine, engine.params, engine.images, engine.layers, sys; "
            "from engine import StyleParams, LAYER_NAMES; StyleParams(); "
            "assert 'torch' not in sys.modules and 'torchvision' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith('torch'))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def test_stylize_and_load_backbone_still_come_from_the_package():
    import engine
    from engine import load_backbone, stylize
    from engine.backbone import load_backbone as real_load_backbone
    from engine.loop import stylize as real_stylize

    assert stylize is real_stylize and engine.stylize is real_stylize
    assert load_backbone is real_load_backbone
