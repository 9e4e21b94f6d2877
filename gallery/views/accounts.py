"""Sign up (log in, log out and password change are django.contrib.auth's views; django-axes
locks out a log-in after too many wrong passwords, see settings)."""
from django.conf import settings
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from ..forms import SignUpForm


def _signup_rate(group, request) -> str:
    return settings.STYLE_SIGNUP_RATE  # read per request, so a changed setting applies at once


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_signup_rate, method="POST", block=False)
def signup(request):
    if request.user.is_authenticated:
        return redirect("gallery:home")
    form = SignUpForm(request.POST or None)
    if getattr(request, "limited", False):
        form.is_valid()  # keep what was typed; the answer is the limit, whatever it holds
        form.add_error(None, "Too many accounts were created from your address: try again "
                             "in an hour.")
        return render(request, "registration/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("gallery:photos")
    return render(request, "registration/signup.html", {"form": form})
