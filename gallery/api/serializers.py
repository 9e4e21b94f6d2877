"""What the API reads and writes. Media come out as URLs of the gallery's media views, which need
the same authentication as the API; never as /media/ paths.

The job parameters are not typed here: each optional field of `JobCreateSerializer` is derived
from a field of `engine.params.StyleParams` (name, type, choices, default), and its values are
validated by the engine through `services.job_create`.
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engine.params import StyleParams

from .. import queue, selectors, services
from ..models import Job, JobTheme, Photo, Snapshot, Theme, TrainingRun, TrainingSample


def media_url(request, view_name: str, *args) -> str:
    url = reverse(view_name, args=args)
    return request.build_absolute_uri(url) if request is not None else url


@extend_schema_field(OpenApiTypes.URI)
class MediaUrlField(serializers.Field):
    """Read-only: the absolute URL of a media view for this object, or null when `file` is empty."""

    def __init__(self, view_name: str, *, lookup: str = "pk", file: str | None = None, **kwargs):
        self.view_name, self.lookup, self.file = view_name, lookup, file
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, obj):
        if self.file and not getattr(obj, self.file):
            return None
        return media_url(self.context.get("request"), self.view_name, getattr(obj, self.lookup))


class UploadField(serializers.FileField):
    """An image going in (multipart binary, validated by the service that stores it), its media
    view's URL coming out."""

    def __init__(self, view_name: str, *, lookup: str = "pk", **kwargs):
        self.view_name, self.lookup = view_name, lookup
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, obj):
        return media_url(self.context.get("request"), self.view_name, getattr(obj, self.lookup))


# --- themes ------------------------------------------------------------------------------------

class ThemeSerializer(serializers.ModelSerializer):
    image = UploadField("gallery:theme-image", lookup="slug",
                        help_text="The painting: JPEG, PNG, WebP, TIFF, BMP or GIF, validated like a photo.")
    thumbnail = MediaUrlField("gallery:theme-thumbnail", lookup="slug", file="thumbnail", allow_null=True)
    instant = serializers.BooleanField(source="is_instant", read_only=True,
                                       help_text="Whether the theme has an instant network.")
    instant_sample = MediaUrlField("gallery:theme-instant-sample", lookup="slug",
                                   file="instant_sample", allow_null=True,
                                   help_text="The instant network's painting of a sample photo.")
    network_record = serializers.DictField(read_only=True,
                                           help_text="The instant network's training record.")
    default_params = serializers.JSONField(
        required=False,
        help_text="Job parameters this painting looks best with, e.g. {\"style_weight\": 2.0}; "
                  "a job's own choices override them.",
    )

    class Meta:
        model = Theme
        fields = [
            "slug", "title", "artist", "year", "description", "source", "licence",
            "is_active", "order", "default_params", "image", "thumbnail", "instant",
            "instant_sample", "network_record", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_default_params(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object of job parameters.")
        # The engine's own resolution, with a stand-in theme: unknown names and bad values fail here.
        try:
            services.resolve_params(themes=[], params=value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_messages(exc)) from exc
        return value

    def create(self, validated_data):
        upload = validated_data.pop("image")
        return _save_theme(Theme(**validated_data), upload)

    def update(self, instance, validated_data):
        upload = validated_data.pop("image", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        if upload is None:
            instance.save()
            return instance
        return _save_theme(instance, upload)


def _save_theme(theme: Theme, upload) -> Theme:
    try:
        return services.theme_set_image(theme=theme, upload=upload)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"image": _messages(exc)}) from exc


def _messages(exc) -> list[str]:
    """A Django ValidationError's messages, flattened, with the field name for keyed errors."""
    if hasattr(exc, "error_dict"):
        return [f"{name}: {m}" for name, errors in exc.message_dict.items() for m in errors]
    return list(exc.messages)


# --- photos ------------------------------------------------------------------------------------

class PhotoSerializer(serializers.ModelSerializer):
    image = UploadField("gallery:photo-image",
                        help_text="JPEG, PNG, WebP, TIFF, BMP or GIF. Stored upright, re-encoded, "
                                  "without metadata.")
    thumbnail = MediaUrlField("gallery:photo-thumbnail")

    class Meta:
        model = Photo
        fields = ["id", "image", "thumbnail", "width", "height", "size_bytes", "checksum",
                  "original_name", "created_at"]
        read_only_fields = ["width", "height", "size_bytes", "checksum", "original_name", "created_at"]


# --- jobs --------------------------------------------------------------------------------------

# Parameters a client does not choose: the worker's own (services.WORKER_PARAMS), and the style
# blend weights, which are the themes' weights.
_NOT_FROM_CLIENT = frozenset(services.WORKER_PARAMS) | {"style_blend_weights"}
# The longest list parameter a client may send (VGG19 has 16 relu layers).
MAX_LIST = 32
_SCALAR_FIELDS = {
    bool: serializers.BooleanField,
    int: serializers.IntegerField,
    float: serializers.FloatField,
    str: serializers.CharField,
}


def _default_of(f: dataclasses.Field):
    value = f.default_factory() if f.default is dataclasses.MISSING else f.default
    return list(value) if isinstance(value, tuple) else value


def _field_for(f: dataclasses.Field, hint) -> serializers.Field:
    """The serializer field of one StyleParams field: optional, typed and documented from it."""
    default = _default_of(f)
    kwargs = {"required": False, "help_text": f"Default: {json.dumps(default)}."}
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        kwargs["allow_null"] = True
        (hint,) = [a for a in args if a is not type(None)]
        args = typing.get_args(hint)
    if f.name == "init":  # an image path is for the command line, not for a shared server
        return serializers.ChoiceField(choices=services.JOB_INIT_CHOICES, **kwargs)
    if typing.get_origin(hint) is typing.Literal:
        return serializers.ChoiceField(choices=args, **kwargs)
    if typing.get_origin(hint) is tuple:  # tuple[X, ...]: layer names or sizes, never many
        return serializers.ListField(child=_SCALAR_FIELDS[args[0]](), max_length=MAX_LIST,
                                     **kwargs)
    return _SCALAR_FIELDS[hint](**kwargs)


def param_fields() -> dict[str, serializers.Field]:
    hints = typing.get_type_hints(StyleParams)
    return {
        f.name: _field_for(f, hints[f.name])
        for f in dataclasses.fields(StyleParams)
        if f.name not in _NOT_FROM_CLIENT
    }


PARAM_NAMES = tuple(param_fields())


@extend_schema_field(OpenApiTypes.INT)
class _OwnPhotoField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return selectors.photos_for(self.context["request"].user)


@extend_schema_field(OpenApiTypes.STR)
class _ActiveThemeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self):
        return selectors.active_themes()


class JobThemeInputSerializer(serializers.Serializer):
    theme = _ActiveThemeField(help_text="The theme's slug, e.g. starry_night.")
    weight = serializers.FloatField(default=1.0, help_text="Blend weight (> 0); normalized over the themes.")


class _RefusesUnknownFields(serializers.Serializer):
    """A misspelt parameter would otherwise be dropped without a word and the default used; the
    server's own parameters (weights, device...) are not for clients either."""

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Not a parameter that can be set here."] for name in unknown})
        return attrs


class JobCreateSerializer(_RefusesUnknownFields):
    """A new job: a photo of yours, one or more themes with weights, and any engine parameter
    (the others take the first theme's defaults, then the engine's)."""

    photo = _OwnPhotoField(help_text="The id of one of your photos.")
    mode = serializers.ChoiceField(
        choices=Job.Mode.choices, default=Job.Mode.FULL,
        help_text="instant: painted in about a second by the themes' instant networks (every "
                  "theme needs one); full: the optimization, minutes, with live snapshots.")

    def get_fields(self):
        # At most STYLE_MAX_THEMES themes, counted before any of them is looked up.
        themes = JobThemeInputSerializer(many=True, allow_empty=False, min_length=1,
                                         max_length=settings.STYLE_MAX_THEMES)
        return {**super().get_fields(), "themes": themes, **param_fields()}

    @property
    def params(self) -> dict:
        return {name: self.validated_data[name] for name in PARAM_NAMES if name in self.validated_data}


class JobThemeSerializer(serializers.ModelSerializer):
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    title = serializers.CharField(source="theme.title", read_only=True)

    class Meta:
        model = JobTheme
        fields = ["theme", "title", "weight"]


class ProgressSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(source="progress_percent", read_only=True)
    losses = serializers.DictField(child=serializers.FloatField(), read_only=True,
                                   help_text="Latest losses: content, style, tv, total.")
    loss_history = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()), read_only=True,
        help_text="[iteration, total loss] pairs, for a loss curve.")

    class Meta:
        model = Job
        fields = ["iteration", "total", "percent", "losses", "elapsed", "remaining", "loss_history",
                  "stopped"]
        read_only_fields = fields
        extra_kwargs = {
            "total": {"help_text": "The most iterations: a painting stops earlier once it has "
                                   "converged, unless params.exact_iterations."},
            "stopped": {"help_text": "Why it stopped: converged, or iterations (all of them); "
                                     "empty until it has."},
        }


class SnapshotSerializer(serializers.ModelSerializer):
    losses = serializers.DictField(child=serializers.FloatField(), read_only=True)
    image = MediaUrlField("gallery:snapshot-image")

    class Meta:
        model = Snapshot
        fields = ["iteration", "losses", "image", "created_at"]
        read_only_fields = fields


class QueuePlaceSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="1: the next to start.")
    starts_in = serializers.FloatField(allow_null=True, help_text="Seconds, estimated from the "
                                       "worker's measured speed; null until it is measured.")
    text = serializers.CharField(help_text="The same, in words.")


class JobSerializer(serializers.ModelSerializer):
    """A job as listed: everything but the snapshots."""

    themes = JobThemeSerializer(source="job_themes", many=True, read_only=True)
    params = serializers.DictField(read_only=True, help_text="Every resolved parameter, the seed included.")
    progress = ProgressSerializer(source="*", read_only=True)
    result = MediaUrlField("gallery:job-result", file="result", allow_null=True,
                           help_text="The painting, once the job has succeeded (add ?download=1 to "
                                     "download it as a file).")
    photo_image = MediaUrlField("gallery:photo-image", lookup="photo_id", file="photo_id", allow_null=True)
    preview = MediaUrlField("gallery:job-preview", file="preview", allow_null=True,
                            help_text="A full painting's instant preview, when its themes have "
                                      "instant networks.")
    queue = serializers.SerializerMethodField(
        help_text="Where a queued job waits (the queue is fair between users); null otherwise.")

    class Meta:
        model = Job
        fields = [
            "id", "mode", "status", "photo", "photo_image", "themes", "params", "progress",
            "queue", "preview", "result",
            "error", "cancel_requested", "device", "engine_version",
            "created_at", "started_at", "finished_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(QueuePlaceSerializer(allow_null=True))
    def get_queue(self, job) -> dict | None:
        # Computed once per response, however many jobs it lists.
        place = self.context.setdefault("queue_places", queue.Places()).of(job)
        return place.as_dict() if place else None


class JobDetailSerializer(JobSerializer):
    """A job with its snapshots, oldest first."""

    snapshots = SnapshotSerializer(many=True, read_only=True)

    class Meta(JobSerializer.Meta):
        fields = JobSerializer.Meta.fields + ["snapshots"]
        read_only_fields = fields


# --- training runs -----------------------------------------------------------------------------

def train_param_fields() -> dict[str, serializers.Field]:
    """The TrainParams fields staff may set, generated from the dataclass like a job's."""
    from engine.params import TrainParams

    hints = typing.get_type_hints(TrainParams)
    skip = {*services.WORKER_PARAMS, "style_blend_weights"}
    return {f.name: _field_for(f, hints[f.name]) for f in dataclasses.fields(TrainParams)
            if f.name not in skip}


class TrainingStartSerializer(_RefusesUnknownFields):
    """Any TrainParams field (steps, size, batch, style_weight...); the rest take the defaults."""

    def get_fields(self):
        return {**super().get_fields(), **train_param_fields()}


class TrainingSampleSerializer(serializers.ModelSerializer):
    image = MediaUrlField("gallery:training-sample-image")

    class Meta:
        model = TrainingSample
        fields = ["step", "losses", "image", "created_at"]
        read_only_fields = fields


class TrainingRunSerializer(serializers.ModelSerializer):
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    samples = TrainingSampleSerializer(many=True, read_only=True)

    class Meta:
        model = TrainingRun
        fields = ["id", "theme", "status", "params", "step", "total", "losses", "loss_history",
                  "elapsed", "remaining", "samples", "error", "cancel_requested", "attempts",
                  "device", "engine_version", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


# --- tokens ------------------------------------------------------------------------------------

class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Token <token>`.")
