"""The worker's overhead: the same job through run_job (claim, progress and heartbeat saves,
cancel checks, snapshots written as PNG, result saved) and through the bare engine loop.

Tubingen after The Starry Night, the real VGG16 weights, L-BFGS, one process. A warm-up run loads
the weights first, so neither side pays for it; the two paths then alternate and each keeps its
best time. On a shared, busy machine the two wall clocks drift apart by chance, so the script
also prints, for each worker run, its total time over the time it spent inside the engine's
generator: the worker's own overhead, measured within one run. Runs in a throwaway data folder (SQLite in WAL mode, as in production).

    .venv/bin/python bench/worker_overhead.py [--size 256] [--iterations 40] [--snapshot-every 10]
        [--repeat 2] [--device auto|cpu|cuda]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--snapshot-every", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each path (best one kept)")
    parser.add_argument("--device", default=os.environ.get("STYLE_DEVICE", "auto"))
    parser.add_argument("--weights", default=os.environ.get("STYLE_WEIGHTS")
                        or str(SHARED / "weights/vgg16-imagenet-features.pth"))
    parser.add_argument("--backbone", default=os.environ.get("STYLE_BACKBONE", "vgg16"))
    return parser.parse_args()


def setup_django(data: Path, args) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "stylesite.settings",
        "STYLE_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'bench.sqlite3'}",
        "STYLE_WEIGHTS": args.weights,
        "STYLE_BACKBONE": args.backbone,
        "STYLE_DEVICE": args.device,
        "DJANGO_LOG_LEVEL": "WARNING",
    })
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_job(args):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gallery import services, tasks
    from gallery.models import Theme

    tasks.enqueue_job = lambda job_id: None  # run by hand below, not by a cluster
    user, _ = get_user_model().objects.get_or_create(username="bench")

    def upload(path: Path):
        return SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")

    if not Theme.objects.filter(slug="starry_night").exists():
        services.theme_set_image(theme=Theme(slug="starry_night", title="The Starry Night"),
                                 upload=upload(SHARED / "images/style/starry_night.jpg"))
    photo = services.photo_create(owner=user, upload=upload(SHARED / "images/content/tubingen.jpg"))
    theme = Theme.objects.get(slug="starry_night")

    def new_job(iterations: int):
        return services.job_create(owner=user, photo=photo, themes=[(theme, 1.0)], params={
            "size": args.size, "iterations": iterations, "snapshot_every": args.snapshot_every, "seed": 1,
        })

    return new_job


def bare_loop(job) -> float:
    """The engine alone, fed exactly what the worker feeds it."""
    import engine
    from engine.images import load_image

    from gallery.worker import conf

    def read(field_file):
        with field_file.open("rb") as f:
            return load_image(f)

    content = read(job.photo.image)
    styles = [read(jt.theme.image) for jt in job.job_themes.all()]
    params = engine.StyleParams.from_dict({**job.params, **conf.engine_settings()})
    started = time.perf_counter()
    for _ in engine.stylize(content, styles, params):
        pass
    return time.perf_counter() - started


def worker_path(job) -> tuple[float, float]:
    """(run_job's time, the part of it spent inside engine.stylize's generator)."""
    import engine

    from gallery.models import Job
    from gallery.tasks import run_job

    inside = [0.0]
    real = engine.stylize

    def timed(*args, **kwargs):
        steps = real(*args, **kwargs)
        while True:
            t0 = time.perf_counter()
            try:
                step = next(steps)
            except StopIteration:
                return
            finally:
                inside[0] += time.perf_counter() - t0
            yield step

    engine.stylize = timed
    try:
        started = time.perf_counter()
        outcome = run_job(job.pk)
        seconds = time.perf_counter() - started
    finally:
        engine.stylize = real
    job = Job.objects.get(pk=job.pk)
    assert outcome == "succeeded", job.error
    return seconds, inside[0]


def main() -> None:
    args = parse_args()
    if not Path(args.weights).is_file():
        sys.exit(f"weights not found: {args.weights} (give --weights or STYLE_WEIGHTS)")
    with tempfile.TemporaryDirectory(prefix="worker-bench-") as tmp:
        setup_django(Path(tmp), args)
        new_job = make_job(args)
        warm = new_job(3)
        worker_path(warm)  # loads the weights once for the process, as a worker does
        times = {"engine": [], "worker": []}
        in_run = []  # run_job's time / its time inside the engine, from the same run
        for _ in range(args.repeat):
            times["engine"].append(bare_loop(new_job(args.iterations)))
            job = new_job(args.iterations)
            total, inside = worker_path(job)
            times["worker"].append(total)
            in_run.append(total / inside)
        job.refresh_from_db()
        import torch

        best = {k: min(v) for k, v in times.items()}
        print(f"job: {args.size} px, {args.iterations} iterations, a snapshot every {args.snapshot_every}, "
              f"{args.backbone}, device {job.device}, torch {torch.__version__}")
        for name in ("engine", "worker"):
            runs = ", ".join(f"{t:.2f}" for t in times[name])
            print(f"{name:>6}: best {best[name]:.2f} s (runs: {runs}; median {statistics.median(times[name]):.2f} s)")
        print(f"worker / engine time ratio (best runs): {best['worker'] / best['engine']:.3f} (aim <= 1.05)")
        print("worker time / its own time inside the engine (same run, immune to other load): "
              + ", ".join(f"{r:.4f}" for r in in_run))
        print(f"worker writes: {job.snapshots.count()} snapshots, {len(job.loss_history)} loss points, "
              f"result {job.result.size} bytes")


if __name__ == "__main__":
    main()
