"""The home page and the themes grid (public)."""
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from .. import selectors


@require_safe
def home(request):
    return redirect("gallery:job-list" if request.user.is_authenticated else "gallery:themes")


@require_safe
def theme_list(request):
    return render(request, "gallery/themes.html", {"themes": selectors.active_themes()})
