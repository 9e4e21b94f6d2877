"""`python manage.py runsite [addrport]`: the web server and the workers together; Ctrl-C stops all.

Two workers: the main cluster (full paintings, trainings) and the instant lane's cluster.

Both run as child processes, each in its own process group, so the terminal's Ctrl-C reaches only
this command, which then stops them in order: SIGTERM, a grace period, then SIGKILL for what is
left (a worker in the middle of a long job would otherwise finish it first). A job cut short that
way is resumed from its last snapshot by the reaper when a worker runs again. If either child dies,
the other is stopped too and the exit status says so.
"""
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from gallery.tasks import INSTANT_CLUSTER

GRACE_SECONDS = 10


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
            self._stop(children)
        if died:
            sys.exit(children[died].returncode or 1)

    def _stop(self, children):
        for proc in children.values():
            _kill_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for name, proc in children.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop within {GRACE_SECONDS} s; killing it. A job it "
                                  "was running resumes from its last snapshot when a worker runs again.")
                _kill_group(proc, signal.SIGKILL)
                proc.wait()
            _kill_group(proc, signal.SIGKILL)  # anything its process group left behind
        self.stdout.write("Stopped.")


def _kill_group(proc, signum) -> None:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
