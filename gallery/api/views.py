"""The API's viewsets: an input serializer, one service call, a response.

Ownership lives in `get_queryset()` (through gallery.selectors): another user's photo or job is
simply not found (404), never forbidden (403). Anonymous requests get 401.
"""
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, ProtectedError
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, routers, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from .. import colors as job_colors
from .. import limits, selectors, services, uploads
from ..views.share import share_url
from ..models import Job, Snapshot, Theme
from . import tokens
from .parsers import JSONParser
from .permissions import IsStaffOrReadOnly
from .schema import Detail
from .serializers import (
    JobColorsSerializer,
    JobCreateSerializer,
    JobDetailSerializer,
    JobRerunSerializer,
    JobSerializer,
    PhotoSerializer,
    ShareSerializer,
    SnapshotSerializer,
    ThemeSerializer,
    TokenSerializer,
    TrainingRunSerializer,
    TrainingStartSerializer,
)
from .throttling import JobCreateThrottle


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Not possible in the object's current state."
    default_code = "conflict"


CONFLICT = OpenApiResponse(Detail, description="Not possible in the object's current state.")


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class RefusesOversizedUploads:
    """Viewsets that take files: a body the upload handler stopped while it streamed (over
    STYLE_UPLOAD_MAX_BYTES, gallery/uploads.py) is a 413, not a form without its file."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH"):
            request.data  # parsed now, after authentication and permissions
            if refused := uploads.refusal(request):
                raise PayloadTooLarge(refused)


def _field_errors(exc: DjangoValidationError, *, default_field: str | None = None) -> ValidationError:
    """A service's ValidationError as the API's JSON field errors; unkeyed messages go to
    `default_field` when the request has one obvious field."""
    if default_field and not hasattr(exc, "error_dict"):
        return ValidationError({default_field: exc.messages})
    return ValidationError(as_serializer_error(exc))


class APIRoot(routers.APIRootView):
    """The style gallery's REST API: the collections below, described in the API docs
    (/api/v1/docs/, /api/v1/redoc/). Authenticate with "Authorization: Token <key>" (your token:
    /accounts/api-token/) or a browser session."""

    name = "Style gallery API"  # the page's title in a browser
    permission_classes = [AllowAny]  # only links: each endpoint checks its own rights


@csrf_exempt  # it changes nothing, whatever the method
def not_found(request, *args, **kwargs):
    """Any other path under /api/v1/: a JSON 404, like the API's own."""
    return JsonResponse({"detail": "Not found."}, status=404)


# --- auth --------------------------------------------------------------------------------------

class AuthTokenView(APIView):
    """POST a username and password for your token; DELETE (authenticated) revokes it."""

    serializer_class = AuthTokenSerializer

    def get_authenticators(self):
        # Logging in needs no credentials but the password; a browser's session cookie must not
        # turn the request into a CSRF-checked one.
        return [] if getattr(self.request, "method", None) == "POST" else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        tags=["auth"], auth=[], request=AuthTokenSerializer,
        responses={200: TokenSerializer, 400: OpenApiResponse(description="Wrong username or password."),
                   429: OpenApiResponse(Detail, description="Locked out after too many wrong passwords.")},
        summary="Get your API token",
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False):  # set by django-axes' backend
            raise Throttled(wait=int(settings.AXES_COOLOFF_TIME.total_seconds()),
                            detail="Too many wrong passwords for this account from your address.")
        if not valid:
            raise ValidationError(serializer.errors)
        token = tokens.token_get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})

    @extend_schema(tags=["auth"], request=None, responses={204: None}, summary="Revoke your API token")
    def delete(self, request):
        tokens.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- themes ------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List the themes"),
    retrieve=extend_schema(summary="Get a theme"),
    create=extend_schema(summary="Add a theme (staff)"),
    update=extend_schema(summary="Replace a theme (staff)"),
    partial_update=extend_schema(summary="Change a theme (staff)"),
    destroy=extend_schema(summary="Delete a theme (staff)",
                          responses={204: None, 409: CONFLICT}),
)
@extend_schema(tags=["themes"])
class ThemeViewSet(RefusesOversizedUploads, viewsets.ModelViewSet):
    """Paintings to apply. Everyone signed in reads the active ones; staff read all and write."""

    serializer_class = ThemeSerializer
    permission_classes = [IsAuthenticated, IsStaffOrReadOnly]
    parser_classes = [MultiPartParser, JSONParser]  # JSON for changes without a new painting
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return Theme.objects.all() if self.request.user.is_staff else selectors.active_themes()

    def perform_destroy(self, instance):
        try:
            services.theme_delete(theme=instance)
        except ProtectedError:
            raise Conflict("Jobs use this theme: deactivate it (is_active: false) instead.") from None

    @extend_schema(
        summary="Train the theme's instant network (staff)",
        description="Queues a training run on the worker with any TrainParams field (steps, "
                    "size, batch, style_weight...); the photos come from the server's "
                    "STYLE_TRAINING_PHOTOS folder. The theme keeps its current network until "
                    "the new one is done. One run per theme at a time (409 otherwise).",
        request=TrainingStartSerializer, responses={201: TrainingRunSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, IsAdminUser],
            parser_classes=[JSONParser])
    def train(self, request, slug=None):
        theme = self.get_object()
        serializer = TrainingStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run = services.training_start(theme=theme, requested_by=request.user,
                                          params=serializer.validated_data)
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) == "busy":
                raise Conflict(exc.messages[0]) from None
            raise _field_errors(exc) from exc
        return Response(TrainingRunSerializer(run, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List training runs (staff)"),
    retrieve=extend_schema(summary="Get a training run with its progress and samples (staff)"),
)
@extend_schema(tags=["themes"])
class TrainingRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """Trainings of instant networks: staff only (anyone else gets 403)."""

    serializer_class = TrainingRunSerializer
    permission_classes = [IsAuthenticated, IsAdminUser]

    def get_queryset(self):
        return selectors.training_runs_for(self.request.user).prefetch_related("samples")

    @extend_schema(summary="Cancel a training run (staff)", request=None,
                   responses={200: TrainingRunSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        run = services.training_cancel(run=self.get_object())
        return Response(self.get_serializer(run).data)


# --- photos ------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List your photos"),
    retrieve=extend_schema(summary="Get one of your photos", responses={200: PhotoSerializer}),
    create=extend_schema(summary="Upload a photo (multipart, field `image`)"),
    destroy=extend_schema(summary="Delete one of your photos", responses={204: None}),
)
@extend_schema(tags=["photos"])
class PhotoViewSet(RefusesOversizedUploads, mixins.ListModelMixin, mixins.CreateModelMixin,
                   mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your photos. The image and thumbnail URLs need the same authentication as the API."""

    serializer_class = PhotoSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return selectors.photos_for(self.request.user)

    def perform_create(self, serializer):
        try:
            serializer.instance = services.photo_create(
                owner=self.request.user, upload=serializer.validated_data["image"]
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc, default_field="image") from exc

    def perform_destroy(self, instance):
        services.photo_delete(photo=instance)


# --- jobs --------------------------------------------------------------------------------------

class JobFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Job.Status.choices, required=False)
    theme = serializers.SlugField(required=False, help_text="A theme's slug.")


@extend_schema_view(
    list=extend_schema(
        summary="List your jobs, newest first",
        parameters=[
            OpenApiParameter("status", enum=Job.Status.values, description="Only jobs in this state."),
            OpenApiParameter("theme", str, description="Only jobs using this theme (slug)."),
        ],
    ),
    retrieve=extend_schema(summary="Get one of your jobs: status, progress, snapshots, result",
                           responses={200: JobDetailSerializer}),
    create=extend_schema(summary="Start a job", request=JobCreateSerializer,
                         responses={201: JobDetailSerializer}),
    destroy=extend_schema(summary="Delete one of your jobs (a running one is cancelled first)",
                          responses={204: None}),
)
@extend_schema(tags=["jobs"])
class JobViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                 mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your style jobs. Create one with JSON; follow it with GET until `status` is final."""

    parser_classes = [JSONParser]

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            filters = JobFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            return selectors.gallery_jobs(user, **filters.validated_data)
        return selectors.jobs_for(user).prefetch_related(
            Prefetch("snapshots", queryset=Snapshot.objects.order_by("iteration"))
        )

    def get_serializer_class(self):
        return {
            "create": JobCreateSerializer,
            "rerun": JobRerunSerializer,
            "list": JobSerializer,
            "snapshots": SnapshotSerializer,
        }.get(self.action, JobDetailSerializer)

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action in ("create", "rerun"):
            throttles.append(JobCreateThrottle())
        return throttles

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._created(lambda: services.job_create(
            owner=request.user,
            photo=data["photo"],
            themes=[(t["theme"], t["weight"], t["region"]) for t in data["themes"]],
            params=serializer.params,
            mode=data["mode"],
            regions=data.get("regions"),
        ))

    @extend_schema(
        summary="Paint one of your jobs again, with changes",
        description="A new job with the job's photo, themes (with their regions), regions "
                    "drawing and every parameter it recorded (the seed included), but for what "
                    "the body gives: any parameter, and `photo`, `themes`, `regions` or `mode` "
                    "to replace those. An empty body repeats the job. The new job's `parent` "
                    "is this one.",
        request=JobRerunSerializer,
        responses={201: JobDetailSerializer, 429: OpenApiResponse(
            description="Too many of your jobs are waiting (Retry-After says when to try).")},
    )
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        job = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        themes = ([(t["theme"], t["weight"], t["region"]) for t in data["themes"]]
                  if "themes" in data else None)
        return self._created(lambda: services.job_rerun(
            job=job, changes=serializer.params, themes=themes, photo=data.get("photo"),
            mode=data.get("mode"), regions=data.get("regions")))

    def _created(self, create) -> Response:
        """201 with the job `create()` made; the service's refusals as 400 and 429."""
        try:
            job = create()
        except limits.QueueFull as exc:
            raise Throttled(wait=exc.retry_after, detail=exc.message) from exc
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        request = self.request
        job = self.get_queryset().get(pk=job.pk)
        return Response(
            JobDetailSerializer(job, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(reverse("api:job-detail", args=[job.pk]))},
        )

    def perform_destroy(self, instance):
        services.job_delete(job=instance)

    @extend_schema(
        summary="Cancel one of your jobs",
        description="A queued job is cancelled at once, a running one within one iteration. "
                    "A job that has already succeeded or failed answers 409.",
        request=None,
        responses={200: JobDetailSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = self.get_object()
        if job.is_finished and job.status != Job.Status.CANCELLED:
            raise Conflict(f"The job has already {job.status}.")
        job = services.job_cancel(job=job)
        return Response(JobDetailSerializer(job, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Change a finished painting's colours",
        description="Keep the photo's colours, match its colour histogram, mix it in (0 to 1): "
                    "made from the painting as the engine left it, without painting it again. "
                    "A field left out keeps its value. The answer's `colors.pending` is true "
                    "until the new version is made (in about a second: follow it with GET); "
                    "`result` then serves it. A job that has not succeeded, or was painted "
                    "before colours could change, answers 400.",
        request=JobColorsSerializer,
        responses={200: JobDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def colors(self, request, pk=None):
        job = self.get_object()
        serializer = JobColorsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        current = job_colors.state(job) or job_colors.NONE
        chosen = {name: serializer.validated_data.get(name, current[name])
                  for name in job_colors.NAMES}
        try:
            job = services.job_set_colors(job=job, **chosen)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        job = self.get_queryset().get(pk=job.pk)
        return Response(JobDetailSerializer(job, context=self.get_serializer_context()).data)

    @extend_schema(
        methods=["POST"], summary="Share one of your paintings by a private link",
        description="Anyone who has the link sees the painting and its photo, signed in or not, "
                    "and nothing else of yours. Sharing a shared painting again gives the same "
                    "link; a job that has not succeeded answers 400.",
        request=None, responses={
            200: ShareSerializer, 400: OpenApiResponse(description="The job has not succeeded.")},
    )
    @extend_schema(
        methods=["DELETE"], summary="Stop sharing one of your paintings",
        description="The link stops working for good; sharing again later gives a new one.",
        request=None, responses={204: None},
    )
    @action(detail=True, methods=["post", "delete"])
    def share(self, request, pk=None):
        job = self.get_object()
        if request.method == "DELETE":
            services.job_unshare(job=job)
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            job = services.job_share(job=job)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return Response({"url": share_url(request, job)})

    @extend_schema(summary="List a job's snapshots, oldest first",
                   responses={200: SnapshotSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def snapshots(self, request, pk=None):
        job = self.get_object()
        page = self.paginate_queryset(job.snapshots.order_by("iteration"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
