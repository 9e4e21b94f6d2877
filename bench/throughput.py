"""Paintings per hour through the real queue, with one worker and with two, and what the queue
costs each job beyond its painting.

In a throwaway PostgreSQL database and Redis queue (the production topology; `--database` and
`--redis` name the servers, the database is created and dropped), N small paintings (64 px,
6 iterations, the real VGG16 weights) are queued by two users, then a `manage.py qcluster`
with one worker, and then one with two, runs them all. For each: the wall time from the
cluster's start to the last job done, paintings per hour, the engine's own time per job
(Job.elapsed, the stylize loop), and the overhead per job (wall time x workers / jobs minus the
engine's time: claim, photo and paintings read, snapshots and results written, the queue).

    .venv/bin/python bench/throughput.py [--jobs 12]
        [--database postgres://gallery:gallery@localhost:5432/postgres] [--redis redis://localhost:6379/0]
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WEIGHTS = SHARED / "weights/vgg16-imagenet-features.pth"
TINY = {"size": 64, "iterations": 6, "exact_iterations": True, "snapshot_every": 2, "seed": 7}


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--database", default=os.environ.get(
        "TEST_DATABASE_URL", "postgres://gallery:gallery@localhost:5432/postgres"))
    parser.add_argument("--redis", default=os.environ.get("TEST_REDIS_URL",
                                                          "redis://localhost:6379/0"))
    args = parser.parse_args()

    import psycopg
    import redis

    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.database, autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory(prefix="throughput-") as data:
            env = {**os.environ, "DATABASE_URL": with_database(args.database, name),
                   "REDIS_URL": args.redis, "STYLE_DATA_DIR": data,
                   "DJANGO_SECRET_KEY": "bench-" + uuid.uuid4().hex, "STYLE_WEIGHTS": str(WEIGHTS),
                   "STYLE_BACKBONE": "vgg16", "STYLE_DEVICE": "cpu",
                   "STYLE_MAX_QUEUED_JOBS": str(args.jobs), "STYLE_MAX_RUNNING_JOBS": "2",
                   "DJANGO_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
            os.environ.update(env)
            sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # tests/helpers.py shrinks uploads
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stylesite.settings")
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            print(f"{os.cpu_count()} CPUs; PostgreSQL database {name}, Redis {args.redis}; "
                  f"{args.jobs} paintings of 64 px, 6 iterations each", flush=True)
            for workers in (1, 2):
                redis.Redis.from_url(args.redis).flushdb()
                run(args.jobs, workers, env, Path(data))
    finally:
        from django.db import connections

        connections.close_all()
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def queue_jobs(n: int) -> list[int]:
    """N small paintings, from two users in turn."""
    from django.contrib.auth import get_user_model

    from gallery import services
    from gallery.models import Theme
    from helpers import shrunk_upload

    users = [get_user_model().objects.get_or_create(username=u)[0] for u in ("ann", "ben")]
    theme = Theme.objects.filter(slug="starry_night").first() or services.theme_set_image(
        theme=Theme(slug="starry_night", title="The Starry Night"),
        upload=shrunk_upload(SHARED / "images/style/starry_night.jpg", "starry.jpg", 192))
    photos = [services.photo_create(owner=u, upload=shrunk_upload(
        SHARED / "images/content/tubingen.jpg", "tubingen.jpg")) for u in users]
    return [services.job_create(owner=users[i % 2], photo=photos[i % 2], themes=[(theme, 1.0)],
                                params=TINY).pk for i in range(n)]


def run(n: int, workers: int, env: dict, data: Path) -> None:
    from gallery.models import Job

    ids = queue_jobs(n)
    log = open(data / f"qcluster-{workers}.log", "wb")
    started = time.perf_counter()
    cluster = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "qcluster"], cwd=ROOT,
                               env={**env, "STYLE_WORKERS": str(workers)}, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while Job.objects.filter(pk__in=ids).exclude(status__in=Job.FINISHED).exists():
            if time.monotonic() > deadline or cluster.poll() is not None:
                raise SystemExit(f"the cluster did not finish; see {log.name}")
            time.sleep(0.2)
        wall = time.perf_counter() - started
    finally:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()
    jobs = Job.objects.filter(pk__in=ids)
    done = jobs.filter(status=Job.Status.SUCCEEDED).count()
    engine = statistics.mean(jobs.values_list("elapsed", flat=True))
    per_job = wall * workers / n
    print(f"{workers} worker(s): {done}/{n} succeeded in {wall:.1f} s (cluster start included): "
          f"{3600 * n / wall:.0f} paintings/hour; per job {per_job:.2f} s of a worker, of which "
          f"the engine {engine:.2f} s, overhead {per_job - engine:.2f} s", flush=True)


if __name__ == "__main__":
    main()
