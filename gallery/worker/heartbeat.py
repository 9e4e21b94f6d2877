"""A worker's pulse, from threads of their own: it does not wait for iterations to finish.

`Heartbeat` stamps a running job's row every BEAT_EVERY seconds while its attempt runs (fenced
like every write of the run), so a huge first step or a weights download never looks like a dead
worker, and a dead worker goes silent at once. `Watch`, one per worker process, reaps every
REAP_EVERY seconds, busy or idle: a job whose worker died (no beat for STYLE_STALE_SECONDS) is
back in the queue within seconds. It also gives a periodic task lost on its way its schedule
back (schedules.rearm_lost).
"""
from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, connection
from django.utils import timezone

log = logging.getLogger(__name__)

BEAT_EVERY = 4.0  # seconds; STYLE_STALE_SECONDS (default 20) is five missed beats
REAP_EVERY = 5.0


class _Ticker(threading.Thread):
    """Calls `tick()` every `every` seconds until stopped; its own database connection is
    closed when it ends."""

    def __init__(self, every: float, name: str):
        super().__init__(daemon=True, name=name)
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    if self.tick() is False:
                        return
                except DatabaseError:  # a locked or lost database: the next tick tries again
                    log.warning("%s: the database refused a tick", self.name, exc_info=True)
        finally:
            connection.close()

    def tick(self) -> bool | None:
        raise NotImplementedError

    def stop(self) -> None:
        self.stopped.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=self.every + 5)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Heartbeat(_Ticker):
    """Beats for one attempt at one job (`fence`: the queryset matching the row while the
    attempt owns it). `lost` is set when the row no longer matches: deleted, or taken back."""

    def __init__(self, fence, every: float | None = None):
        super().__init__(BEAT_EVERY if every is None else every, "heartbeat")
        self.fence = fence
        self.lost = threading.Event()

    def tick(self) -> bool | None:
        if not self.fence.update(heartbeat_at=timezone.now()):
            self.lost.set()
            return False
        return None


class Watch(_Ticker):
    """Reaps other workers' dead jobs from this worker process, busy or idle."""

    def __init__(self, every: float | None = None):
        super().__init__(REAP_EVERY if every is None else every, "reaper-watch")

    def tick(self) -> None:
        from .reaper import reap
        from .schedules import rearm_lost

        reap()
        rearm_lost()


_watch: Watch | None = None


def start_watch() -> None:
    """Start this process's Watch (once; the worker's start-up hook calls it)."""
    global _watch
    if _watch is None or not _watch.is_alive():
        _watch = Watch()
        _watch.start()
