"""Top-level URLs: the gallery's pages, accounts, the REST API and the admin."""
from django.contrib import admin
from django.urls import include, path

from gallery import urls as gallery_urls
from gallery.api import urls as api_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("gallery.api.urls")),
    # The gallery's pages, plus the API token page (gallery:api-token) that gallery.api owns.
    path("", include((gallery_urls.urlpatterns + api_urls.page_urlpatterns, gallery_urls.app_name))),
]

# JSON under /api/, pages elsewhere (gallery/api/errors.py).
handler400 = "gallery.api.errors.bad_request"
handler500 = "gallery.api.errors.server_error"
