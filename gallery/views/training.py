"""Training a theme's instant network (staff): the form that starts it, and its live page with
the job page's panels, fed by the same script.

`progress` gives the job page's JSON shape (static/js/job.js reads it): steps are its
iterations, samples its snapshots, the theme's new instant sample its result.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from engine.params import TrainParams

from .. import selectors, services
from ..forms import TrainingForm
from ..models import Theme, TrainingRun
from ..params import record
from .job_detail import POLL_MS, _wants_json, run_progress


def progress(run: TrainingRun) -> dict:
    samples = [
        {"iteration": s.step, "url": reverse("gallery:training-sample-image", args=[s.pk]),
         "loss": s.losses.get("total")}
        for s in run.samples.order_by("step").only("pk", "step", "losses")
    ]
    done = run.status == TrainingRun.Status.SUCCEEDED and bool(run.theme.instant_sample)
    result = reverse("gallery:theme-instant-sample", args=[run.theme.slug]) if done else None
    return run_progress(run, done=run.step, snapshots=samples,
                        result=result) | {"mode": "training"}


@staff_member_required
@require_http_methods(["GET", "POST"])
def training_new(request, slug):
    """Staff choose the steps, size... and start the training of a theme's network."""
    theme = get_object_or_404(Theme, slug=slug)
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.training_start(theme=theme, requested_by=request.user,
                                          params=form.params())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("gallery:training-detail", pk=run.pk)
    context = {"theme": theme, "form": form,
               "photos_folder": settings.STYLE_TRAINING_PHOTOS}
    return render(request, "gallery/training_form.html", context,
                  status=400 if request.method == "POST" else 200)


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@staff_member_required
@require_safe
def training_detail(request, pk):
    run = selectors.get_training_run_for_user(request.user, pk)
    every = run.params.get("sample_every")
    context = {
        "run": run,
        "progress": progress(run),
        "poll_ms": POLL_MS,
        "params": record(run.params, params_class=TrainParams),
        "samples_empty": f"A sample every {every} steps appears here." if every
        else "The sample appears at the end.",
    }
    return render(request, "gallery/training_detail.html", context)


@staff_member_required
@require_safe
def training_progress(request, pk):
    response = JsonResponse(progress(selectors.get_training_run_for_user(request.user, pk)))
    add_never_cache_headers(response)
    return response


@staff_member_required
@require_POST
def training_cancel(request, pk):
    run = services.training_cancel(run=selectors.get_training_run_for_user(request.user, pk))
    if _wants_json(request):
        return JsonResponse(progress(run))
    messages.info(request, f"Training {run.pk} stops at its next step.")
    return redirect("gallery:training-detail", pk=run.pk)
