"""/api/v1/: the REST API, its OpenAPI schema and its docs (Swagger UI and ReDoc, served offline)."""
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import pages, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.APIRootView = views.APIRoot  # /api/v1/: the map of the API, for a browser too
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("photos", views.PhotoViewSet, basename="photo")
router.register("jobs", views.JobViewSet, basename="job")
router.register("training-runs", views.TrainingRunViewSet, basename="training-run")

urlpatterns = [
    path("auth/token/", views.AuthTokenView.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    *router.urls,
    # Anything else under /api/v1/ (an id that is not a number, say) answers in JSON too.
    re_path(r"", views.not_found),
]

# The account page where a signed-in user creates or revokes a token. It is a page of the site
# (url name gallery:api-token), so stylesite/urls.py adds these to the gallery's namespace.
page_urlpatterns = [
    path("accounts/api-token/", pages.api_token, name="api-token"),
]
