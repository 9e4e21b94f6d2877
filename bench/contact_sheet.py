"""One picture: every shipped theme (columns, and a blend) on every test photo (rows), at the
defaults the gallery would use (StyleParams' defaults under each theme's default_params from
gallery/themes/themes.json), each cell with the judge's style and content distances.

Look at it: every cell should be a painting of its photo, its main shapes readable and the
painting's brushwork showing. The sheet goes to docs/contact_sheet.jpg (the README shows it),
each cell to --out as a PNG.

    .venv/bin/python bench/contact_sheet.py [--size 512] [--themes wave,udnie] [--photos stata]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from judge import SHARED, VGG16_WEIGHTS, Judge  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from engine import StyleParams, stylize  # noqa: E402
from engine.images import load_image, save_image  # noqa: E402

THEMES_DIR = ROOT / "gallery/themes"
# Blends shown beside the single themes: (slugs, weights). The Great Wave with Udnie once
# painted over a photo entirely (issue 10).
BLENDS = [(("wave", "udnie"), (1.0, 1.0))]
CELL = 300  # px, the long side of a cell's picture
FONT = ImageFont.load_default(size=15)
SMALL = ImageFont.load_default(size=13)


def columns(only: set[str] | None) -> list[dict]:
    """[{"name", "slugs", "files", "weights", "defaults"}] for each theme, then each blend."""
    themes = {t["slug"]: t for t in json.loads((THEMES_DIR / "themes.json").read_text())}
    out = [{"name": t["title"], "slugs": (slug,), "files": (t["file"],), "weights": (1.0,),
            "defaults": t.get("default_params", {})} for slug, t in themes.items()]
    for slugs, weights in BLENDS:
        out.append({"name": " + ".join(themes[s]["title"].split(" (")[0] for s in slugs),
                    "slugs": slugs, "files": tuple(themes[s]["file"] for s in slugs),
                    "weights": weights,
                    "defaults": themes[slugs[0]].get("default_params", {})})  # the gallery's rule
    return [c for c in out if only is None or set(c["slugs"]) & only]


def paint(photo, column, size: int):
    styles = [load_image(THEMES_DIR / name) for name in column["files"]]
    params = StyleParams.from_dict({**column["defaults"], "size": size, "seed": 0,
                                    "backbone": "vgg16", "weights": str(VGG16_WEIGHTS),
                                    "device": "cpu", "snapshot_every": 0,
                                    "style_blend_weights": list(column["weights"])})
    for step in stylize(photo, styles, params):
        pass
    return step, styles


def fit(image: Image.Image, box: int) -> Image.Image:
    image = image.copy()
    image.thumbnail((box, box), Image.Resampling.LANCZOS)
    return image


def sheet(photos, cols, cells) -> Image.Image:
    pad, label_h, text_h = 12, 40, 24
    width = pad + (CELL + pad) * (len(cols) + 1)
    height = pad + label_h + (CELL * 3 // 4 + text_h + pad) * len(photos) + pad
    out = Image.new("RGB", (width, height), (250, 249, 246))
    draw = ImageDraw.Draw(out)
    for j, col in enumerate(cols):
        x = pad + (CELL + pad) * (j + 1)
        draw.text((x, pad + 8), col["name"][:38], fill=(30, 30, 40), font=FONT)
    for i, (name, photo) in enumerate(photos):
        y = pad + label_h + (CELL * 3 // 4 + text_h + pad) * i
        out.paste(fit(photo, CELL), (pad, y))
        draw.text((pad, y + CELL * 3 // 4 + 4), f"photo: {name}", fill=(30, 30, 40), font=SMALL)
        for j, col in enumerate(cols):
            image, d = cells[name, col["name"]]
            x = pad + (CELL + pad) * (j + 1)
            out.paste(fit(image, CELL), (x, y))
            draw.text((x, y + CELL * 3 // 4 + 4),
                      f"style {d['style']:.3f}  content {d['content']:.2f}",
                      fill=(70, 70, 90), font=SMALL)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=StyleParams().size)
    parser.add_argument("--themes", help="comma-separated slugs (default: all, and the blends)")
    parser.add_argument("--photos", help="comma-separated names in ../shared/images/content")
    parser.add_argument("--out", default=str(ROOT / "bench/out/contact"))
    parser.add_argument("--sheet", default=str(ROOT / "docs/contact_sheet.jpg"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = args.photos.split(",") if args.photos else sorted(
        p.stem for p in (SHARED / "images/content").glob("*.jpg"))
    photos = [(n, load_image(SHARED / f"images/content/{n}.jpg", max_side=args.size)) for n in names]
    cols = columns(set(args.themes.split(",")) if args.themes else None)
    judge, cells = Judge(), {}
    print(f"{len(photos)} photos x {len(cols)} columns at {args.size} px; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for name, photo in photos:
        for col in cols:
            started = time.perf_counter()
            step, styles = paint(photo, col, args.size)
            d = judge.distances(step.image, photo, styles, list(col["weights"]))
            cells[name, col["name"]] = (step.image, d)
            save_image(step.image, out / f"{name}_{'+'.join(col['slugs'])}.png")
            print(f"{name:8} {col['name'][:40]:40} style {d['style']:.4f}  content "
                  f"{d['content']:.3f}  {step.iteration:3} iterations ({step.stopped}), "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    picture = sheet(photos, cols, cells)
    if not (args.themes or args.photos):  # only the whole sheet replaces the README's picture
        Path(args.sheet).parent.mkdir(parents=True, exist_ok=True)
        save_image(picture, args.sheet, quality=88)
        print(f"sheet: {args.sheet}")
    else:
        save_image(picture, out / "partial_sheet.jpg", quality=88)
        print(f"sheet: {out / 'partial_sheet.jpg'}")


if __name__ == "__main__":
    main()
