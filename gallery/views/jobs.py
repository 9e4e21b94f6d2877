"""The new-job form and my gallery (the job page itself is job_detail.py, the worker's)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from .. import estimates, regions, selectors, services
from ..forms import JobForm, ThemeWeightFormSet
from ..models import Job
from ..params import theme_values
from . import job_cards

PAGE_SIZE = 12


# The service's names for what the form calls otherwise.
FORM_NAMES = {"style_strength": "strength"}


def _add_service_errors(form, formset, exc: ValidationError) -> None:
    """Put the service's errors next to the fields they name; the rest on top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        name = FORM_NAMES.get(name, name)
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
    """The new-painting form; `?again=<job>` opens it with that job's photo, themes and every
    parameter ("Paint again"), `?theme=<slug>` with that theme and its defaults."""
    if request.method == "POST":
        form = JobForm(request.POST, user=request.user)
        formset = ThemeWeightFormSet(request.POST, prefix="themes")
        form.is_valid(), formset.is_valid()  # both, so every error shows at once
        try:  # each parameter's own limits, all at once (the service stops at the first)
            services.check_choices(form.params())
        except ValidationError as exc:
            _add_service_errors(form, formset, exc)
        if form.is_valid() and formset.is_valid():
            try:
                job = services.job_create(
                    owner=request.user,
                    photo=form.cleaned_data["photo"],
                    themes=formset.themes(),
                    params=form.params(),
                    style_strength=form.cleaned_data["strength"],
                    mode=form.cleaned_data["mode"],
                    parent=form.cleaned_data["parent"],
                    regions=form.cleaned_data["regions"],
                )
            except ValidationError as exc:
                _add_service_errors(form, formset, exc)
            else:
                if job.mode == Job.Mode.FULL:
                    messages.success(request, f"Job {job.pk} is queued.")
                return redirect("gallery:job-detail", pk=job.pk)
        status = 400
    elif "again" in request.GET:
        form, formset = _paint_again(request.user, selectors.get_job_for_user(request.user, request.GET["again"]))
        status = 200
    else:
        # The photo asked for (from "Paint it"), else the newest one.
        photo = request.GET.get("photo") or selectors.photos_for(request.user).values_list("pk", flat=True).first()
        slug = request.GET.get("theme")
        theme = selectors.active_themes().filter(slug=slug).first() if slug else None
        form = JobForm(user=request.user, initial={"photo": photo} if photo else None,
                       values=theme_values(theme))
        formset = ThemeWeightFormSet(prefix="themes", initial=[{"theme": theme.slug, "weight": 1.0}] if theme else None)
        status = 200
        if slug and theme is None:
            messages.error(request, f"There is no painting “{slug}” to choose: pick one below.")
            status = 400
    context = {
        "form": form,
        "formset": formset,
        "themes": selectors.active_themes(),
        "photos": selectors.photos_for(request.user),
        "estimate": _estimate(request.user, form, formset),
        # Each theme's parameter values, for job_form.js: untouched fields follow the theme.
        "theme_values": {t.slug: theme_values(t) for t in selectors.active_themes()}
                        | {"": theme_values(None)},
        "parent": form["parent"].value() and selectors.jobs_for(request.user).filter(
            pk=form["parent"].value()).first(),
        "regions_max_side": regions.MAX_SIDE,  # the canvas's long side (static/js/regions.js)
    }
    return render(request, "gallery/job_form.html", context, status=status)


def _paint_again(user, job):
    """The form and theme rows of `job` painted again: its photo, kind, themes with their
    weights and regions, and every parameter it recorded (its style weight already holds its
    strength). Its regions drawing is the page's to load (job_form.html, from the parent)."""
    initial = {"photo": job.photo_id, "mode": job.mode, "parent": job.pk, "strength": 1.0}
    form = JobForm(user=user, initial=initial, values=job.params or {})
    rows = [{"theme": jt.theme.slug, "weight": jt.weight, "region": jt.region}
            for jt in job.job_themes.select_related("theme")]
    return form, ThemeWeightFormSet(prefix="themes", initial=rows)


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
    """The estimate for what the form holds so far (as sent, or as first shown): {"text": ""}
    while it names no photo."""
    if form.is_bound:
        data = form.cleaned_data
        photo, mode, params = data.get("photo"), data.get("mode"), form.params()
    else:
        data = {}
        photo = form.fields["photo"].queryset.filter(pk=form["photo"].value()).first()
        mode = form["mode"].value()
        params = {n: form.fields[n].to_python(form[n].value()) for n in form.param_names}
    if photo is None:
        return {"text": ""}
    if mode == Job.Mode.INSTANT:
        return {"seconds": 1.0, "wait": 0.0, "text": "About a second."}
    themes = [(theme, weight) for theme, weight, _ in formset.themes()] \
        if formset.is_bound and formset.is_valid() else []
    try:
        resolved = services.resolve_params(
            themes=themes, params={k: v for k, v in params.items() if v is not None},
            style_strength=data.get("strength") or 1.0)
    except ValidationError:
        return {"text": ""}
    return estimates.estimate(owner=user, photo=photo, params=resolved).as_dict()


@login_required
@require_safe
def job_list(request):
    status = request.GET.get("status", "")
    if status not in Job.Status.values:
        status = ""
    theme = request.GET.get("theme", "")
    jobs = selectors.gallery_jobs(request.user, status=status, theme=theme)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    job_cards.describe(page.object_list)
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
        "poll_ms": job_cards.POLL_MS,
    }
    return render(request, "gallery/job_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def job_delete(request, pk):
    job = selectors.get_job_for_user(request.user, pk)
    if request.method == "POST":
        services.job_delete(job=job)
        messages.success(request, f"Job {pk} deleted.")
        return redirect("gallery:job-list")
    return render(request, "gallery/job_confirm_delete.html", {"job": job})
