"""Top-level URLs: the gallery's pages, accounts, the REST API and the admin."""
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from gallery import urls as gallery_urls
from gallery.api import urls as api_urls
from gallery.views import accounts

urlpatterns = [
    # Browsers ask for /favicon.ico wherever a page names no icon (JSON, an image opened alone):
    # the logo (static/img/favicon.ico is static/img/logo.svg drawn at 16, 32 and 48 px).
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.ico"))),
    path("admin/", admin.site.urls),
    # Log-out says so; password resets are rate-limited (gallery/views/accounts.py). The rest
    # of accounts/ is django.contrib.auth's own.
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("gallery.api.urls")),
    # The gallery's pages, plus the API token page (gallery:api-token) that gallery.api owns.
    path("", include((gallery_urls.urlpatterns + api_urls.page_urlpatterns, gallery_urls.app_name))),
]

# JSON under /api/, pages elsewhere (gallery/api/errors.py).
handler400 = "gallery.api.errors.bad_request"
handler500 = "gallery.api.errors.server_error"
