"""A graceful stop (SIGTERM) of a worker process: its running painting is handed back, not lost.

django-q2 stops a cluster by letting each worker finish its task, which for a painting can take
many minutes; systemd, Docker and `runsite` send SIGTERM to every process and kill what is left
a few seconds later. So each worker process catches SIGTERM itself (`install`, at its start): an
idle one exits at once, as it would have; one running a painting asks the run to stop at its
next iteration, where the runner saves the exact state and puts the job back in the queue for
another worker, then the process exits.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading

log = logging.getLogger(__name__)

_stop = threading.Event()
_busy = threading.Event()


def install() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum, frame) -> None:
    if _busy.is_set():
        log.warning("Stopping: the running painting is handed back at its next iteration, with "
                    "its exact state, and a worker goes on from there")
        _stop.set()
    else:
        exit_now()


def exit_now() -> None:
    """End this process as SIGTERM would have without our handler."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def requested() -> bool:
    """Whether the process has been asked to stop while running a painting."""
    return _stop.is_set()


@contextlib.contextmanager
def running():
    """Around one painting: SIGTERM meanwhile hands it back; the process ends right after."""
    _busy.set()
    try:
        yield
    finally:
        _busy.clear()
        if _stop.is_set():
            exit_now()
