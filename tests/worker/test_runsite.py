"""`manage.py runsite`: the web server and the workers start together and Ctrl-C stops them all."""
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

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_runsite_serves_pages_runs_a_worker_and_ctrl_c_stops_both(transactional_db, settings, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "STYLE_DATA_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
    }
    proc = subprocess.Popen([sys.executable, "manage.py", "runsite", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    tree = []
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and status is None:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status
            except OSError:
                time.sleep(0.3)
                if proc.poll() is not None:
                    break
        if status != 200:
            proc.kill()
            pytest.fail(f"runsite did not serve: {proc.communicate(timeout=10)[0].decode(errors='replace')[-3000:]}")
        def command(p) -> str:
            try:
                return " ".join(p.cmdline())
            except psutil.Error:  # gone in between
                return ""

        def clusters():  # the cluster's parent, sentinel, worker, pusher and monitor
            return sum("qcluster" in command(c) for c in tree)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and clusters() < 6:
            time.sleep(0.3)
            tree = psutil.Process(proc.pid).children(recursive=True)
        assert any("runserver" in command(c) for c in tree)
        assert clusters() >= 3

        def lane(p) -> str | None:
            try:
                return p.environ().get("Q_CLUSTER_NAME")
            except psutil.Error:
                return None

        # Two clusters: the full paintings' and the instant lane's (gallery/tasks.py).
        assert {lane(c) for c in tree if "qcluster" in command(c)} == {None, "instant"}

        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        out, _ = proc.communicate(timeout=40)
        assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
        assert "Stopped." in out.decode()
        gone, alive = psutil.wait_procs(tree, timeout=10)
        assert not alive, [p.pid for p in alive]
    finally:  # whatever happened: nothing of it stays behind
        for p in [*tree, psutil.Process(proc.pid)] if proc.poll() is None else tree:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        proc.wait(timeout=10)
