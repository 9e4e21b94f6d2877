"""The server-rendered account page for the API token."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from . import tokens


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """Show the user's API token; POST action=create makes a new one, action=revoke deletes it."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            tokens.token_regenerate(user=request.user)
            messages.success(request, "A new API token was created; any previous one no longer works.")
        elif action == "revoke":
            if tokens.token_revoke(user=request.user):
                messages.success(request, "Your API token was revoked.")
        return redirect("gallery:api-token")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "gallery/api_token.html", {"token": token})
