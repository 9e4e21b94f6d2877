"""`python manage.py runsite [addrport]`: the web server and the workers together; Ctrl-C stops all.

Two workers: the main cluster (full paintings, trainings) and the instant lane's cluster.

Both run as child processes, each in its own process group, so the terminal's Ctrl-C reaches only
this command, which then stops them: SIGTERM, a grace period, then SIGKILL for what is left. An
idle worker ends at once; a busy one hands its painting back at its next iteration, with its exact
state, for a worker to go on from there (gallery/worker/stopping.py). A job cut short by SIGKILL
is resumed from its last snapshot by the reaper when a worker runs again. If either child dies,
the others are stopped too and the exit status says so.
"""
import os
import signal
import subprocess
import sys
import time

import psutil
from django.conf import settings
from django.core.management.base import BaseCommand

from gallery.tasks import INSTANT_CLUSTER

GRACE_SECONDS = 30  # for a busy worker's next iteration: seconds at the largest sizes on a CPU


class Command(BaseCommand):
    help = "Run the web server (runserver) and the worker (qcluster) together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000",
                            help="address and port of the web server (default 127.0.0.1:8000)")
        parser.add_argument("--no-worker", action="store_true", help="run the web server only")

    def handle(self, *args, addrport, no_worker, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {"web server": [*manage, "runserver", addrport, "--noreload"]}
        if not no_worker:
            commands["worker"] = [*manage, "qcluster"]
            # The instant lane: its own cluster and queue (gallery/tasks.py).
            # Named by the environment, as django-q2 asks: its settings are read at import.
            commands["instant worker"] = [*manage, "qcluster"]
        environments = {"instant worker": {**os.environ, "Q_CLUSTER_NAME": INSTANT_CLUSTER}}

        stop = {"signal": None}

        def on_signal(signum, frame):
            if stop["signal"] is not None:  # a second Ctrl-C: no more waiting
                for proc in children.values():
                    _kill_group(proc, signal.SIGKILL)
            stop["signal"] = signum

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

        children, died = {}, None
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(command, start_new_session=True,
                                                  env=environments.get(name))
                self.stdout.write(f"Started the {name} (pid {children[name].pid}).")
            self.stdout.write(f"Open http://{addrport}/ - press Ctrl-C to stop the web server and the worker.")
            while stop["signal"] is None and died is None:
                died = next((n for n, p in children.items() if p.poll() is not None), None)
                time.sleep(0.2)
            if died:
                self.stderr.write(f"The {died} stopped (exit status {children[died].returncode}); stopping the rest.")
        finally:
            self._stop(children, clusters={n for n in commands if n != "web server"})
        if died:
            sys.exit(children[died].returncode or 1)

    def _stop(self, children, clusters):
        """SIGTERM to every child (`clusters`: the workers' names), then wait for all their
        processes to end, GRACE_SECONDS at most; SIGKILL for what is left."""
        ending = [(name, p) for name, proc in children.items()
                  for p in _terminate(proc, cluster=name in clusters)]
        alive = _wait([p for _, p in ending], timeout=2)
        if alive:
            self.stdout.write("Waiting for the workers to stop: a running painting is handed back at "
                              "its next iteration, and a worker goes on from there. Ctrl-C again to "
                              "stop at once.")
            alive = _wait(alive, timeout=GRACE_SECONDS - 2)
        for name in dict.fromkeys(name for name, p in ending if p in alive):
            self.stderr.write(f"The {name} did not stop within {GRACE_SECONDS} s; killing it. A "
                              "painting it was running resumes from its last snapshot when a worker "
                              "runs again.")
        for p in alive:
            _kill(p, signal.SIGKILL)
        for proc in children.values():
            _kill_group(proc, signal.SIGKILL)  # anything its process group left behind
            proc.wait()
        self.stdout.write("Stopped.")


def _terminate(proc, *, cluster: bool) -> list[psutil.Process]:
    """SIGTERM to what must end of one child; returns its processes, to wait for.

    A django-q cluster gets it in its processes below the parent: the sentinel, pusher and monitor
    end at once, an idle worker too, a busy one once it has handed its painting back. The parent
    then ends by itself, as its sentinel has. Not SIGTERM to the parent as well: django-q2's
    handler would then wait forever for the sentinel, killed by the same signal, to answer it
    (which made every stop take the whole grace period).
    """
    try:
        parent = psutil.Process(proc.pid)
        below = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    if cluster and below:
        for p in below:
            _kill(p, signal.SIGTERM)
    else:  # the web server, or a cluster still starting (no sentinel yet)
        _kill_group(proc, signal.SIGTERM)
    return [parent, *below]


def _wait(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every one of `procs` has ended, `timeout` seconds at most; those still alive.
    A zombie has ended (in a container whose init reaps nothing, orphans stay zombies)."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in procs if _alive(p)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def _alive(p: psutil.Process) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _kill(p: psutil.Process, signum) -> None:
    try:
        p.send_signal(signum)
    except psutil.NoSuchProcess:
        pass


def _kill_group(proc, signum) -> None:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
