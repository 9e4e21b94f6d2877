"""The home page and the themes grid (public)."""
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import selectors


@require_safe
def home(request):
    """What the product does, for a visitor and a user alike: a line and the calls to action,
    then each theme's instant painting of the shipped sample photo beside the photo (the
    product's own work), then the themes."""
    themes = list(selectors.active_themes())
    examples = [theme for theme in themes if theme.instant_sample]
    return render(request, "gallery/home.html", {"themes": themes, "examples": examples})


@require_safe
def theme_list(request):
    return render(request, "gallery/themes.html", {"themes": selectors.active_themes()})
