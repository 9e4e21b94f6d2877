"""`manage.py runsite`: the web server and the workers start together and Ctrl-C stops them all:
at once when the workers are idle; a busy one hands its painting back first, and says so."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from helpers import database_url

from gallery.models import Job

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _command(p) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:  # gone in between
        return ""


def _lane(p) -> str | None:
    try:
        return p.environ().get("Q_CLUSTER_NAME")
    except psutil.Error:
        return None


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """runsite's STYLE_DATA_DIR; its media folder is this test's MEDIA_ROOT too."""
    data = tmp_path / "data"
    (data / "media").mkdir(parents=True)
    settings.MEDIA_ROOT = str(data / "media")
    return data


@pytest.fixture
def runsite(transactional_db, settings, data_dir):
    """runsite(**env) starts `manage.py runsite` and returns it once it serves pages and both
    clusters have their processes; everything it started is killed at teardown."""
    started = []

    def start(**env):
        port = _free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "STYLE_DATA_DIR": str(data_dir),
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        proc = subprocess.Popen([sys.executable, "manage.py", "runsite", f"127.0.0.1:{port}"],
                                cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        proc.tree = []  # what it started, once it has
        started.append(proc)
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and status is None and proc.poll() is None:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/",
                                                timeout=2).status
            except OSError:
                time.sleep(0.3)
        if status != 200:
            proc.kill()
            out = proc.communicate(timeout=10)[0].decode(errors="replace")[-3000:]
            pytest.fail(f"runsite did not serve: {out}")
        # Each cluster: its parent, sentinel, worker, pusher and monitor.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            proc.tree = psutil.Process(proc.pid).children(recursive=True)
            if sum("qcluster" in _command(c) for c in proc.tree) >= 10:
                break
            time.sleep(0.3)
        return proc

    yield start
    for proc in started:  # whatever happened: nothing of it stays behind
        for p in [*proc.tree, psutil.Process(proc.pid)] if proc.poll() is None else proc.tree:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        proc.wait(timeout=10)


def _ctrl_c(proc) -> tuple[str, float]:
    """SIGINT, as the terminal's Ctrl-C; what runsite printed and how long it took to end."""
    proc.send_signal(signal.SIGINT)
    asked = time.monotonic()
    out, _ = proc.communicate(timeout=60)
    return out.decode(errors="replace"), time.monotonic() - asked


def test_runsite_serves_pages_runs_both_workers_and_ctrl_c_stops_them_at_once(runsite):
    proc = runsite()
    assert any("runserver" in _command(c) for c in proc.tree)
    # Two clusters: the full paintings' and the instant lane's (gallery/tasks.py).
    assert {_lane(c) for c in proc.tree if "qcluster" in _command(c)} == {None, "instant"}

    out, took = _ctrl_c(proc)
    print(f"Ctrl-C to stopped, idle: {took:.1f} s")
    assert proc.returncode == 0, out[-2000:]
    assert out.rstrip().endswith("Stopped.")
    assert "killing it" not in out and "Waiting for the workers" not in out, out[-2000:]
    assert took < 3
    gone, alive = psutil.wait_procs(proc.tree, timeout=5)
    assert not alive, [(p.pid, _command(p)) for p in alive]


def test_ctrl_c_with_a_painting_running_hands_it_back_and_says_so(runsite, make_job, worker_settings):
    job = make_job(iterations=400, exact_iterations=True, snapshot_every=0)
    proc = runsite(STYLE_WEIGHTS=worker_settings.STYLE_WEIGHTS, STYLE_BACKBONE="vgg16",
                   STYLE_DEVICE="cpu")
    deadline = time.monotonic() + 90
    while Job.objects.get(pk=job.pk).iteration < 3 and time.monotonic() < deadline:
        time.sleep(0.3)

    out, took = _ctrl_c(proc)
    print(f"Ctrl-C to stopped, busy: {took:.1f} s")
    assert proc.returncode == 0, out[-3000:]
    assert "handed back at its next iteration" in out, out[-3000:]
    assert f"job {job.pk}: handed back at iteration" in out, out[-3000:]
    assert "killing it" not in out, out[-3000:]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.state and 3 <= job.iteration < 400
    gone, alive = psutil.wait_procs(proc.tree, timeout=5)
    assert not alive, [(p.pid, _command(p)) for p in alive]
