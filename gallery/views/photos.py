"""My photos: upload (drop a file or choose one: it uploads at once; without JS a plain form), list,
delete with confirmation."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .. import selectors, services, uploads
from ..forms import PhotoUploadForm


@login_required
@require_http_methods(["GET", "POST"])
def photo_list(request):
    """The page; an upload posted by static/js/upload.js (Accept: JSON) is answered in JSON,
    {"redirect": url} or {"errors": [...]}, so its progress and errors show in place."""
    form = PhotoUploadForm()
    wants_json = "application/json" in request.headers.get("Accept", "")
    if request.method == "POST":
        form = PhotoUploadForm(request.POST, request.FILES, refusal=uploads.refusal(request))
        if form.is_valid():
            try:
                photo = services.photo_create(owner=request.user, upload=form.cleaned_data["image"])
            except ValidationError as exc:
                form.add_error("image", exc)
            else:
                messages.success(request, f"“{photo}” uploaded.")
                if wants_json:
                    return JsonResponse({"redirect": reverse("gallery:photos")})
                return redirect("gallery:photos")
    status = 413 if form.refusal else 400 if form.errors else 200
    if wants_json and form.errors:
        return JsonResponse({"errors": [m for errors in form.errors.values() for m in errors]},
                            status=status)
    photos = selectors.photos_for(request.user)
    return render(request, "gallery/photos.html", {"form": form, "photos": photos}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def photo_delete(request, pk):
    photo = selectors.get_photo_for_user(request.user, pk)
    if request.method == "POST":
        name = str(photo)
        services.photo_delete(photo=photo)
        messages.success(request, f"“{name}” deleted.")
        return redirect("gallery:photos")
    return render(request, "gallery/photo_confirm_delete.html", {"photo": photo, "job_count": photo.jobs.count()})
