"""My photos: upload (drag and drop or a plain file input), list, delete with confirmation."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import selectors, services, uploads
from ..forms import PhotoUploadForm


@login_required
@require_http_methods(["GET", "POST"])
def photo_list(request):
    form = PhotoUploadForm()
    if request.method == "POST":
        form = PhotoUploadForm(request.POST, request.FILES, refusal=uploads.refusal(request))
        if form.is_valid():
            try:
                photo = services.photo_create(owner=request.user, upload=form.cleaned_data["image"])
            except ValidationError as exc:
                form.add_error("image", exc)
            else:
                messages.success(request, f"“{photo}” uploaded.")
                return redirect("gallery:photos")
    status = 413 if form.refusal else 400 if form.errors else 200
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
