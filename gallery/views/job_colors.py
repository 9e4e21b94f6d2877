"""The job page's Colours panel: a finished painting shown with other colours, without painting
it again (gallery/colors.py). static/js/job.js posts the panel whenever it changes and follows
the new version through the job's progress JSON; without JavaScript it is a plain form."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .. import selectors, services
from .job_detail import _wants_json, progress


class ColorsForm(forms.Form):
    """The panel's fields; an unticked box is simply not sent."""

    keep_colors = forms.BooleanField(required=False, label="Keep the photo's colours")
    match_histogram = forms.BooleanField(required=False,
                                         label="Match the photo's colour histogram")
    mix_percent = forms.IntegerField(min_value=0, max_value=100, label="Mix with the photo")


@login_required
@require_POST
def job_colors(request, pk):
    """Ask for other colours: JSON (the job's progress, or 400 with `errors`) for the page's
    script, else back to the job page with any error as a message."""
    job = selectors.get_job_for_user(request.user, pk)
    form = ColorsForm(request.POST)
    errors = [f"{form[name].label}: {message}" for name, found in form.errors.items()
              for message in found]
    if not errors:
        data = form.cleaned_data
        try:
            job = services.job_set_colors(job=job, keep_colors=data["keep_colors"],
                                          match_histogram=data["match_histogram"],
                                          mix=data["mix_percent"] / 100)
        except ValidationError as exc:
            errors = exc.messages
    if _wants_json(request):
        if errors:
            return JsonResponse({"errors": errors}, status=400)
        return JsonResponse(progress(job))
    if errors:
        messages.error(request, "The colours cannot change: " + " ".join(errors))
    return redirect("gallery:job-detail", pk=job.pk)
