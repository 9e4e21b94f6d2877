"""The new-job form and my gallery (the job page itself is job_detail.py, the worker's)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from .. import estimates, queue, selectors, services
from ..forms import JobForm, ThemeWeightFormSet
from ..models import Job

PAGE_SIZE = 12


def _add_service_errors(form, formset, exc: ValidationError) -> None:
    """Put the service's errors next to the fields they name; the rest on top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        if name == "themes":
            formset._non_form_errors = formset.error_class(
                [*formset.non_form_errors(), *[m for e in errors for m in e.messages]],
                error_class="nonform",
            )
        elif name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, [f"{name}: {m}" for e in errors for m in e.messages])


@login_required
@require_http_methods(["GET", "POST"])
def job_new(request):
    if request.method == "POST":
        form = JobForm(request.POST, user=request.user)
        formset = ThemeWeightFormSet(request.POST, prefix="themes")
        if form.is_valid() & formset.is_valid():  # both, so every error shows at once
            try:
                job = services.job_create(
                    owner=request.user,
                    photo=form.cleaned_data["photo"],
                    themes=formset.themes(),
                    params=form.params(),
                    style_strength=form.cleaned_data["strength"],
                    mode=form.cleaned_data["mode"],
                )
            except ValidationError as exc:
                _add_service_errors(form, formset, exc)
            else:
                if job.mode == Job.Mode.FULL:
                    messages.success(request, f"Job {job.pk} is queued.")
                return redirect("gallery:job-detail", pk=job.pk)
        status = 400
    else:
        # The photo asked for (from "Paint it"), else the newest one.
        photo = request.GET.get("photo") or selectors.photos_for(request.user).values_list("pk", flat=True).first()
        form = JobForm(user=request.user, initial={"photo": photo} if photo else None)
        theme = request.GET.get("theme")
        formset = ThemeWeightFormSet(prefix="themes", initial=[{"theme": theme, "weight": 1.0}] if theme else None)
        status = 200
        if theme and not selectors.active_themes().filter(slug=theme).exists():
            messages.error(request, f"There is no painting “{theme}” to choose: pick one below.")
            status = 400
    context = {
        "form": form,
        "formset": formset,
        "themes": selectors.active_themes(),
        "photos": selectors.photos_for(request.user),
        "estimate": _estimate(request.user, form, formset),
    }
    return render(request, "gallery/job_form.html", context, status=status)


@login_required
@require_safe
def job_estimate(request):
    """The expected time of the painting the new-job form describes, as JSON for job_form.js
    (the form's fields, as the browser would submit them, in the query string)."""
    form = JobForm(request.GET, user=request.user)
    formset = ThemeWeightFormSet(request.GET, prefix="themes")
    form.is_valid(), formset.is_valid()  # cleaned_data of the valid fields, the rest ignored
    return JsonResponse(_estimate(request.user, form, formset))


def _estimate(user, form, formset) -> dict:
    """The estimate for what the form holds so far: {"text": ""} while it names no photo."""
    data = form.cleaned_data if form.is_bound else {}
    photo = data.get("photo") if form.is_bound else _initial_photo(form)
    mode = data.get("mode") if form.is_bound else form.fields["mode"].initial
    if photo is None:
        return {"text": ""}
    if mode == Job.Mode.INSTANT:
        return {"seconds": 1.0, "wait": 0.0, "text": "About a second."}
    params = {k: v for k, v in form.params().items() if v is not None} if form.is_bound else {}
    themes = formset.themes() if formset.is_bound and formset.is_valid() else []
    try:
        resolved = services.resolve_params(themes=themes, params=params,
                                           style_strength=data.get("strength") or 1.0)
    except ValidationError:
        return {"text": ""}
    return estimates.estimate(owner=user, photo=photo, params=resolved).as_dict()


def _initial_photo(form):
    pk = form.initial.get("photo")
    return form.fields["photo"].queryset.filter(pk=pk).first() if pk else None


@login_required
@require_safe
def job_list(request):
    status = request.GET.get("status", "")
    if status not in Job.Status.values:
        status = ""
    theme = request.GET.get("theme", "")
    jobs = selectors.gallery_jobs(request.user, status=status, theme=theme)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    _attach_places(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "jobs": page.object_list,
        "status": status,
        "theme": theme,
        "statuses": Job.Status.choices,
        "themes": selectors.active_themes(),
        "query": query.urlencode(),
        "has_jobs": selectors.jobs_for(request.user).exists(),
    }
    return render(request, "gallery/job_list.html", context)


def _attach_places(jobs) -> None:
    """Give each job of the page its `place` in the queue (None unless queued)."""
    places = queue.Places()
    for job in jobs:
        job.place = places.of(job)


@login_required
@require_http_methods(["GET", "POST"])
def job_delete(request, pk):
    job = selectors.get_job_for_user(request.user, pk)
    if request.method == "POST":
        services.job_delete(job=job)
        messages.success(request, f"Job {pk} deleted.")
        return redirect("gallery:job-list")
    return render(request, "gallery/job_confirm_delete.html", {"job": job})
