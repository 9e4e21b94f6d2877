"""Reads: every query the pages, the API and the media views make, scoped to the owner.

A lookup for anyone but the owner (anonymous included) raises Http404, never 403: the existence of
someone else's photo or job is not ours to reveal.
"""
from __future__ import annotations

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from .models import (
    Job, JobTheme, Photo, Profile, Snapshot, Theme, TrainingRun, TrainingSample,
)


def _owner_id(user) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def photos_for(user) -> QuerySet[Photo]:
    """The user's photos, newest first (none for an anonymous user)."""
    return Photo.objects.filter(owner_id=_owner_id(user)) if _owner_id(user) else Photo.objects.none()


def jobs_for(user) -> QuerySet[Job]:
    """The user's jobs, newest first, with photo and themes fetched for the gallery list."""
    if not _owner_id(user):
        return Job.objects.none()
    return (
        Job.objects.filter(owner_id=_owner_id(user))
        .select_related("photo")
        .prefetch_related(
            Prefetch("job_themes", queryset=JobTheme.objects.select_related("theme").order_by("position"))
        )
    )


def gallery_jobs(user, *, status: str = "", theme: str = "") -> QuerySet[Job]:
    """`jobs_for(user)` filtered by status and theme slug (empty: no filter)."""
    jobs = jobs_for(user)
    if status:
        jobs = jobs.filter(status=status)
    if theme:
        jobs = jobs.filter(job_themes__theme__slug=theme).distinct()
    return jobs


def latest_snapshots(jobs) -> dict[int, int]:
    """{job id: id of its latest snapshot} for these jobs (those without one left out)."""
    highest = (Snapshot.objects.filter(job_id=OuterRef("job_id"))
               .order_by("-iteration").values("iteration")[:1])
    return dict(Snapshot.objects.filter(job_id__in=[job.pk for job in jobs], iteration=Subquery(highest))
                .values_list("job_id", "pk"))


def get_photo_for_user(user, pk) -> Photo:
    try:
        return photos_for(user).get(pk=pk)
    except (Photo.DoesNotExist, ValueError, TypeError):
        raise Http404("No such photo.") from None


def get_job_for_user(user, pk) -> Job:
    try:
        return jobs_for(user).get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404("No such job.") from None


def get_snapshot_for_user(user, pk) -> Snapshot:
    if not _owner_id(user):
        raise Http404("No such snapshot.")
    try:
        return Snapshot.objects.select_related("job").get(pk=pk, job__owner_id=_owner_id(user))
    except (Snapshot.DoesNotExist, ValueError, TypeError):
        raise Http404("No such snapshot.") from None


def active_themes() -> QuerySet[Theme]:
    """The themes users can choose, in the staff's order."""
    return Theme.objects.filter(is_active=True)


def get_theme(slug: str) -> Theme:
    """Any theme by slug, active or not (old jobs keep showing their paintings)."""
    try:
        return Theme.objects.get(slug=slug)
    except Theme.DoesNotExist:
        raise Http404("No such theme.") from None


def training_runs_for(user) -> QuerySet[TrainingRun]:
    """Training runs are staff business: everyone else sees none."""
    if not getattr(user, "is_staff", False):
        return TrainingRun.objects.none()
    return TrainingRun.objects.select_related("theme")


def get_training_run_for_user(user, pk) -> TrainingRun:
    try:
        return training_runs_for(user).get(pk=pk)
    except (TrainingRun.DoesNotExist, ValueError, TypeError):
        raise Http404("No such training run.") from None


def get_training_sample_for_user(user, pk) -> TrainingSample:
    try:
        return TrainingSample.objects.get(pk=pk, run__in=training_runs_for(user))
    except (TrainingSample.DoesNotExist, ValueError, TypeError):
        raise Http404("No such sample.") from None


# A private link's secret: secrets.token_urlsafe(32), 43 characters (services.job_share).
SHARE_TOKEN_MIN_LENGTH = 32


def get_shared_job(token: str) -> Job:
    """The finished job a private link shows, with its photo and themes: anyone holding the
    token may see it. An unknown or revoked token raises Http404."""
    if not token or len(token) < SHARE_TOKEN_MIN_LENGTH:
        raise Http404("No such link.")
    try:
        return (Job.objects.select_related("photo")
                .prefetch_related(Prefetch("job_themes",
                                           queryset=JobTheme.objects.select_related("theme")))
                .get(share_token=token, status=Job.Status.SUCCEEDED))
    except Job.DoesNotExist:
        raise Http404("No such link.") from None


def profile_for(user) -> Profile:
    """The signed-in user's account choices: their saved profile, else the defaults (unsaved)."""
    return Profile.objects.filter(user_id=_owner_id(user)).first() or Profile(user=user)
