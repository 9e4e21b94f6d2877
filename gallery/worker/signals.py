"""Hooks into django-q2's worker processes (connected in GalleryConfig.ready)."""
import logging

from django.db import DatabaseError
from django.dispatch import receiver
from django_q.signals import post_spawn

log = logging.getLogger(__name__)


@receiver(post_spawn, dispatch_uid="gallery.worker.at_worker_start")
def rescue_jobs_at_worker_start(sender, proc_name, **kwargs):
    """Sent in each new worker process, before its first task: rescue jobs a dead worker left."""
    from . import stopping
    from .devices import worker_device
    from .reaper import at_worker_start

    stopping.install()  # SIGTERM hands a running painting back (stopping.py)
    log.info("worker %s paints on %s", proc_name, worker_device())
    try:
        at_worker_start()
    except DatabaseError:  # never keep a worker from starting; the scheduled reaper retries
        log.exception("the reaper failed at worker start")
