"""Accounts: sign up, log out with a message, password reset by e-mail (rate-limited), and the
account page (e-mail address, e-mail when a painting finishes).

Log in and password change are django.contrib.auth's views as they are; django-axes locks out a
log-in after too many wrong passwords (see settings).
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from .. import selectors, services
from ..forms import AccountForm, PasswordResetForm, SignUpForm


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


class LogoutView(auth_views.LogoutView):
    """Django's log-out, and a word on the page it leads to."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Kept by the message cookie: the session it could have gone in has just been flushed.
        messages.success(request, "You are logged out. See you soon!")
        return response


def _reset_rate(group, request) -> str:
    return settings.STYLE_PASSWORD_RESET_RATE


def _reset_address(group, request) -> str:
    return request.POST.get("email", "").strip().lower()


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail, which answers alike for an address it knows and one it does
    not, rate-limited per client address and per e-mail address (a flood of mails to one inbox
    is refused too)."""

    form_class = PasswordResetForm
    extra_email_context = {"site_name": "Style Gallery"}

    def post(self, request, *args, **kwargs):
        limited = [is_ratelimited(request, group="password-reset", key=key, rate=_reset_rate,
                                  method="POST", increment=True)
                   for key in ("ip", _reset_address)]
        if any(limited):
            form = self.get_form()
            form.is_valid()  # keep what was typed
            form.add_error(None, "Too many password resets were asked for: try again in an hour.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """The signed-in user's own account: nothing here names a user, so it is nobody else's."""
    profile = selectors.profile_for(request.user)
    form = AccountForm(request.POST or None, request=request, initial={
        "email": request.user.email, "email_when_finished": profile.email_when_finished})
    if request.method == "POST" and form.is_valid():
        services.account_update(user=request.user, email=form.cleaned_data["email"],
                                email_when_finished=form.cleaned_data["email_when_finished"])
        messages.success(request, "Your account settings are saved.")
        return redirect("gallery:account")
    return render(request, "registration/account.html", {"form": form})
