"""The worker's periodic tasks through django-q's own scheduler, broker, worker and monitor: one
waits in the queue at most, however long the paintings ahead of it take, and the next is queued
at its time once it has run. The reaper is no queued task at all."""
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from django_q.scheduler import scheduler
from django_q.tasks import _sync

from gallery.worker import schedules

# django-q's scheduler and worker close the database connection now and then: no test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

CLEANUP = "gallery.cleanup.remove_orphans"


@pytest.fixture
def broker(monkeypatch):
    """The ORM broker's queue, empty; and a worker run in this process (django_q's own path
    for a synchronous task) starts no Watch thread and keeps pytest's SIGTERM."""
    monkeypatch.setattr("gallery.worker.heartbeat.start_watch", lambda: None)
    monkeypatch.setattr("gallery.worker.stopping.install", lambda: None)
    broker = get_broker()
    broker.purge_queue()
    return broker


def _cleanup() -> Schedule:
    return Schedule.objects.get(func=CLEANUP)


def _its_time_has_come(minutes_ago: int = 1) -> None:
    Schedule.objects.filter(func=CLEANUP).update(
        next_run=timezone.now() - timedelta(minutes=minutes_ago))


def test_a_periodic_task_waits_in_the_queue_once_however_long_a_painting_takes(broker):
    schedules.ensure_schedules()
    for hour in range(5):  # the worker busy with a five-hour painting: nothing takes the task
        _its_time_has_come()
        scheduler(broker=broker)
        assert broker.queue_size() == 1, f"hour {hour}"
    assert _cleanup().repeats == 0


def test_once_it_has_run_the_next_one_is_queued_at_its_time(broker):
    schedules.ensure_schedules()
    _its_time_has_come()
    scheduler(broker=broker)
    [(ack, pack)] = broker.dequeue()
    _sync(pack)  # a worker runs it and the monitor saves its result, which calls the hook
    broker.acknowledge(ack)
    assert Task.objects.get(func=CLEANUP).success
    cleanup = _cleanup()
    assert cleanup.repeats == 1 and cleanup.next_run > timezone.now() + timedelta(minutes=55)

    scheduler(broker=broker)  # not yet its time
    assert broker.queue_size() == 0
    _its_time_has_come()
    scheduler(broker=broker)
    assert broker.queue_size() == 1


def test_a_task_that_waited_past_its_time_is_followed_a_whole_period_later(broker):
    schedules.ensure_schedules()
    _its_time_has_come()
    scheduler(broker=broker)
    _its_time_has_come(minutes_ago=90)  # it waited behind a long painting
    [(ack, pack)] = broker.dequeue()
    _sync(pack)
    assert _cleanup().next_run > timezone.now() + timedelta(minutes=55)  # not two in a row


def test_a_task_lost_on_its_way_gives_its_schedule_back_after_the_brokers_retry(broker, settings):
    schedules.ensure_schedules()
    _its_time_has_come()
    scheduler(broker=broker)
    broker.purge_queue()  # the worker that held it was killed (Redis gives it to no one else)
    assert schedules.rearm_lost() == 0  # it may still be waiting behind paintings
    _its_time_has_come(minutes_ago=settings.Q_CLUSTER["retry"] // 60 + 1)
    assert schedules.rearm_lost() == 1
    assert _cleanup().repeats == 1
    scheduler(broker=broker)
    assert broker.queue_size() == 0  # a whole period from now, not at once


def test_starting_workers_remove_the_reapers_schedule_and_give_the_cleanup_one_repeat():
    Schedule.objects.create(func="gallery.worker.reaper.reap", schedule_type=Schedule.MINUTES,
                            minutes=1, repeats=-1)  # as earlier versions made them
    Schedule.objects.create(func=CLEANUP, schedule_type=Schedule.MINUTES, minutes=90, repeats=-1)
    schedules.ensure_schedules()
    schedules.ensure_schedules()  # a second worker starting
    assert list(Schedule.objects.values_list("func", "minutes", "repeats", "hook")) == [
        (CLEANUP, 90, 1, schedules.REARM)]  # staff's 90 minutes kept
