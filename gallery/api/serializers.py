"""What the API reads and writes. Media come out as URLs of the gallery's media views, which need
the same authentication as the API; never as /media/ paths.

The job parameters are not typed here: each optional field of `JobCreateSerializer` is made from
the engine's description of a parameter (gallery.params.user_specs: type, choices, limits, help,
default), and its values are validated by the engine through `services.job_create`.
"""
from __future__ import annotations

import json
import math

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import queue, regions, selectors, services
from ..colors import state as colors_state
from ..models import Job, JobTheme, Photo, Snapshot, Theme, TrainingRun, TrainingSample
from ..params import user_specs


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
        try:
            return services.check_theme_defaults(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_messages(exc)) from exc

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

# The longest list parameter a client may send (VGG19 has 16 relu layers).
MAX_LIST = 32
# The serializer field of each kind of parameter (engine/param_spec.py).
_FIELDS = {
    "bool": serializers.BooleanField,
    "int": serializers.IntegerField,
    "float": serializers.FloatField,
    "text": serializers.CharField,
    "layers": lambda **kw: serializers.ListField(child=serializers.CharField(), **kw),
    "sizes": lambda **kw: serializers.ListField(child=serializers.IntegerField(), **kw),
}


def param_field(spec) -> serializers.Field:
    """The serializer field of one parameter: optional, typed and documented from its
    description; its values are checked by the engine (through services.resolve_params)."""
    default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
    rule = "" if spec.kind in ("bool", "choice") else f" Must be {spec.rule}."
    unit = f" ({spec.unit})" if spec.unit and spec.unit != "×" else ""
    kwargs = {"required": False, "allow_null": spec.optional, "label": spec.label,
              "help_text": f"{spec.help}{rule} Default: {json.dumps(default)}{unit}.".strip()}
    if spec.kind == "choice":
        return serializers.ChoiceField(choices=spec.choices, **kwargs)
    if spec.kind in ("layers", "sizes"):
        kwargs["max_length"] = MAX_LIST
    return _FIELDS[spec.kind](**kwargs)


def param_fields(params_class=None) -> dict[str, serializers.Field]:
    """A field for each parameter a client may choose (gallery.params.user_specs)."""
    return {name: param_field(spec) for name, spec in user_specs(params_class).items()}


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


REGION_HELP = ("Where the theme paints: all (everywhere), subject (the white of `regions`) or "
               "background (its black). Where no theme paints, the photo stays.")


class JobThemeInputSerializer(serializers.Serializer):
    theme = _ActiveThemeField(help_text="The theme's slug, e.g. starry-night.")
    weight = serializers.FloatField(default=1.0, help_text="Blend weight (> 0); normalized over the themes.")
    region = serializers.ChoiceField(choices=JobTheme.Region.values, default=JobTheme.Region.ALL,
                                     help_text=REGION_HELP)


@extend_schema_field(OpenApiTypes.BYTE)
class RegionsDrawingField(serializers.Field):
    """A regions drawing going in: base64 image text, bare or a data: URL, as bytes."""

    default_error_messages = {"invalid": "Must be a string: a base64-encoded PNG or a data: URL."}

    def __init__(self, **kwargs):
        kwargs["write_only"] = True
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return regions.from_text(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


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


class _JobParams(_RefusesUnknownFields):
    """A job's themes and every parameter a person chooses, as optional fields."""

    themes_required = True
    regions_help = (
        "Where the themes paint: a grey picture at the photo's proportions, white the subject "
        "and black the background (soft edges blend), as base64 PNG or a data: URL; at most "
        f"{regions.MAX_BYTES // 2**20} MB, kept at most {regions.MAX_SIDE} px long. Needed when a "
        "theme's `region` is subject or background, ignored when every theme paints everywhere; "
        "full paintings only.")

    def get_fields(self):
        # At most STYLE_MAX_THEMES themes, counted before any of them is looked up.
        themes = JobThemeInputSerializer(many=True, allow_empty=False, min_length=1,
                                         max_length=settings.STYLE_MAX_THEMES,
                                         required=self.themes_required)
        drawing = RegionsDrawingField(required=False, help_text=self.regions_help)
        return {**super().get_fields(), "themes": themes, "regions": drawing, **param_fields()}

    @property
    def params(self) -> dict:
        return {name: self.validated_data[name] for name in user_specs() if name in self.validated_data}


class JobCreateSerializer(_JobParams):
    """A new job: a photo of yours, one or more themes with weights (and, for a full painting,
    the region of `regions` each paints), and any engine parameter (the others take the first
    theme's defaults, then the engine's)."""

    photo = _OwnPhotoField(help_text="The id of one of your photos.")
    mode = serializers.ChoiceField(
        choices=Job.Mode.choices, default=Job.Mode.FULL,
        help_text="instant: painted in about a second by the themes' instant networks (every "
                  "theme needs one); full: the optimization, minutes, with live snapshots.")


class JobRerunSerializer(_JobParams):
    """What changes when a job is painted again: any parameter, and the photo, the themes or
    the kind to replace the job's."""

    themes_required = False
    regions_help = _JobParams.regions_help + " Default: the job's own drawing."
    photo = _OwnPhotoField(required=False, help_text="Another of your photos; default: the job's.")
    mode = serializers.ChoiceField(choices=Job.Mode.choices, required=False,
                                   help_text="Default: the job's.")


class JobThemeSerializer(serializers.ModelSerializer):
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    title = serializers.CharField(source="theme.title", read_only=True)

    class Meta:
        model = JobTheme
        fields = ["theme", "title", "weight", "region"]
        extra_kwargs = {"region": {"help_text": REGION_HELP}}


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


class ColorsSerializer(serializers.Serializer):
    """A finished painting's colours (gallery/colors.py): the latest choice asked for."""

    keep_colors = serializers.BooleanField(
        help_text="The photo's colours (its chrominance) with the painting's luminance.")
    match_histogram = serializers.BooleanField(
        help_text="The painting recoloured to the photo's colour mean and covariance.")
    mix = serializers.FloatField(help_text="Mixed with the photo: 0 the painting, 1 the photo.")
    pending = serializers.BooleanField(
        help_text="Its version is still being made; until then `result` shows the previous one.")
    error = serializers.CharField(help_text="Why the last choice could not be made; empty if it was.")
    has_photo = serializers.BooleanField(
        help_text="Whether the photo still exists (every post-step but none needs it).")


class JobColorsSerializer(_RefusesUnknownFields):
    """Other colours for a finished painting; a field left out keeps its current value."""

    keep_colors = serializers.BooleanField(required=False,
                                           help_text="Keep the photo's colours.")
    match_histogram = serializers.BooleanField(required=False,
                                               help_text="Match the photo's colour histogram.")
    mix = serializers.FloatField(required=False, min_value=0.0, max_value=1.0,
                                 help_text="Mix with the photo, from 0 (the painting) to 1.")

    def validate_mix(self, value):
        if not math.isfinite(value):  # "NaN" passes the bounds: every comparison is false
            raise serializers.ValidationError("A valid number is required.")
        return value


class JobSerializer(serializers.ModelSerializer):
    """A job as listed: everything but the snapshots."""

    themes = JobThemeSerializer(source="job_themes", many=True, read_only=True)
    params = serializers.DictField(read_only=True, help_text="Every resolved parameter, the seed included.")
    progress = ProgressSerializer(source="*", read_only=True)
    result = MediaUrlField("gallery:job-result", file="result", allow_null=True,
                           help_text="The painting, once the job has succeeded. Add ?download=png "
                                     "(the file as stored, lossless) or ?download=jpeg (a JPEG, "
                                     "quality 95) to download it as a file named after the photo "
                                     "and the themes (tubingen-starry-night.png).")
    photo_image = MediaUrlField("gallery:photo-image", lookup="photo_id", file="photo_id", allow_null=True)
    share_url = MediaUrlField(
        "gallery:shared-job", lookup="share_token", file="share_token", allow_null=True,
        help_text="The painting's private link, for anyone (POST .../share/); null while it is not "
                  "shared.")
    preview = MediaUrlField("gallery:job-preview", file="preview", allow_null=True,
                            help_text="A full painting's instant preview, when its themes have "
                                      "instant networks.")
    regions = MediaUrlField("gallery:job-regions", file="regions", allow_null=True,
                            help_text="The regions drawing (grey PNG: white the subject, black "
                                      "the background) when a theme paints a region; else null.")
    queue = serializers.SerializerMethodField(
        help_text="Where a queued job waits (the queue is fair between users); null otherwise.")
    colors = serializers.SerializerMethodField(
        help_text="A finished painting's colours, changed with POST .../colors/; null while they "
                  "cannot change.")

    class Meta:
        model = Job
        fields = [
            "id", "mode", "status", "photo", "photo_image", "themes", "params", "progress",
            "queue", "preview", "result", "regions", "share_url", "colors", "parent",
            "error", "cancel_requested", "device", "engine_version",
            "created_at", "started_at", "finished_at", "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"parent": {"help_text": "The job this one was painted again from (rerun)."}}

    @extend_schema_field(QueuePlaceSerializer(allow_null=True))
    def get_queue(self, job) -> dict | None:
        # Computed once per response, however many jobs it lists.
        place = self.context.setdefault("queue_places", queue.Places()).of(job)
        return place.as_dict() if place else None

    @extend_schema_field(ColorsSerializer(allow_null=True))
    def get_colors(self, job) -> dict | None:
        return colors_state(job)


class ShareSerializer(serializers.Serializer):
    url = serializers.URLField(read_only=True, help_text="The private link: anyone who has it sees "
                               "the painting and its photo, and nothing else of yours.")


class JobDetailSerializer(JobSerializer):
    """A job with its snapshots, oldest first."""

    snapshots = SnapshotSerializer(many=True, read_only=True)

    class Meta(JobSerializer.Meta):
        fields = JobSerializer.Meta.fields + ["snapshots"]
        read_only_fields = fields


# --- training runs -----------------------------------------------------------------------------

class TrainingStartSerializer(_RefusesUnknownFields):
    """Any TrainParams field (steps, size, batch, style_weight...); the rest take the defaults."""

    def get_fields(self):
        from engine.params import TrainParams

        return {**super().get_fields(), **param_fields(TrainParams)}


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
