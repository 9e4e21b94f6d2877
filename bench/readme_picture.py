"""The README's picture: one photo painted by each shipped instant network, with the seconds each
painting took on this machine (one forward pass; the network loaded beforehand, as the worker
keeps it). Writes docs/instant_styles.png.

    .venv/bin/python bench/readme_picture.py [PHOTO] [--size PX]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.device import resolve_device  # noqa: E402
from engine.images import load_image, resize_long_side  # noqa: E402
from engine.network import apply, load_network  # noqa: E402

THEMES = ROOT / "gallery" / "themes"
CELL = 384  # long side of each picture in the sheet
LABEL = 28


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photo", nargs="?", default=str(ROOT.parent / "shared/images/content/tubingen.jpg"))
    parser.add_argument("--size", type=int, default=512, help="long side painted (default 512)")
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "instant_styles.png"))
    args = parser.parse_args()
    resolve_device("cpu")
    photo = load_image(args.photo)
    themes = json.loads((THEMES / "themes.json").read_text())
    cells = [("The photo", resize_long_side(photo, args.size))]
    for slug, title, network in ((t["slug"], t["title"], t["network"]) for t in themes):
        net, _ = load_network(THEMES / "networks" / network)
        apply(net, photo, 64)  # warm-up: the first call sets up the CPU kernels
        started = time.perf_counter()
        painted = apply(net, photo, args.size)
        seconds = time.perf_counter() - started
        print(f"{slug:32s} {painted.size[0]}x{painted.size[1]}  {seconds:.2f} s")
        cells.append((f"{title} · {seconds:.2f} s", painted))
    w, h = resize_long_side(photo, CELL).size
    columns = 3
    rows = (len(cells) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * w, rows * (h + LABEL)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, picture) in enumerate(cells):
        x, y = (i % columns) * w, (i // columns) * (h + LABEL)
        sheet.paste(picture.resize((w, h), Image.Resampling.LANCZOS), (x, y))
        draw.text((x + 8, y + h + 8), label, fill=(29, 27, 44))
    sheet.save(args.output, optimize=True)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
