"""Admin: themes (with previews and instant networks; a painting is validated like a photo),
photos, jobs, snapshots, and the training runs of instant networks.

Every file shows as a preview or a download link through a view that checks who asks: a theme's
images through the site's public views, everything private through the admin's own views
(`<pk>/files/<field>/`, staff who may view the row). Never the storage's /media/ URL, which
nothing serves. Deletes go through the services so files are removed with their rows. django-q2
registers its own admin (queued, successful and failed tasks, schedules).
"""
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.contrib import admin
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import services
from .forms import param_field
from .models import Job, JobTheme, Photo, Snapshot, Theme, TrainingRun
from .params import shown, user_specs
from .views.media import file_response


def _admin_file_view(model_admin, model, field: str, *, download: bool = False):
    """A private file for staff who may view `model` in the admin (the site's views are
    owner-only); `download`: as an attachment under its own name."""
    def view(request, pk):
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(model, pk=pk)
        return file_response(getattr(obj, field), private=True,
                             download_name=_download_name(obj, field) if download else None)
    return model_admin.admin_site.admin_view(view)


def _download_name(obj, field: str) -> str:
    """A downloaded file's name: what it is, not the storage's random one ("job-7-state.pt")."""
    return f"{obj._meta.model_name}-{obj.pk}-{field}{PurePath(getattr(obj, field).name).suffix}"


def _file_paths(model_admin, model, *fields: str, downloads=(), prefix: str = "") -> list:
    """The admin's URLs of `model`'s private files: `<prefix><pk>/files/<field>/`, named
    admin:gallery_<model>_<field>."""
    name = model._meta.model_name
    return [path(f"{prefix}<int:pk>/files/{field}/",
                 _admin_file_view(model_admin, model, field, download=field in downloads),
                 name=f"gallery_{name}_{field}")
            for field in fields]


def _preview(url: str, *, size: int = 64):
    """A square thumbnail of the image at `url` (lists and strips)."""
    return format_html(
        '<img src="{}" alt="" style="width:{}px;height:{}px;object-fit:cover;border-radius:6px">', url, size, size
    )


def _image_link(url: str, *, size: int = 240):
    """The whole image at `url`, at most `size` px, opening it at full size."""
    return format_html(
        '<a href="{}" title="Open at full size"><img src="{}" alt="" style="max-width:{}px;'
        'max-height:{}px;width:auto;height:auto;border-radius:6px;display:block;'
        'border:1px solid rgba(128,128,128,.35)"></a>',
        url, url, size, size)


def _download_link(obj, field: str) -> str:
    """A link that downloads `obj`'s file `field` through the admin's view, with its size."""
    file = getattr(obj, field)
    if not file:
        return "—"
    try:
        size = f" ({filesizeformat(file.size)})"
    except OSError:  # listed but gone from the storage: the link answers 404 and says so
        size = " (missing)"
    url = reverse(f"admin:gallery_{obj._meta.model_name}_{field}", args=[obj.pk])
    return format_html('<a href="{}" download>Download {}</a>{}', url, _download_name(obj, field),
                       size)


@dataclass(frozen=True)
class _ServedFile:
    """A file as the admin's file input shows it: its name, linked to the view serving it."""

    name: str
    url: str

    def __str__(self):
        return self.name


class _ServedFileInput(AdminFileWidget):
    """The admin's file input, its current file linked to `served_url` (set by the form), a
    view that serves it, never to the storage's own URL."""

    served_url = ""

    def format_value(self, value):
        return _ServedFile(value.name, self.served_url) if self.is_initial(value) else None


class _DeleteWithFilesAdmin(admin.ModelAdmin):
    """Deletes go through `delete_with_service(obj)`, so the files go with the row: the Delete
    button and Django's "Delete selected" action (its confirmation page first) both end there.

    Django's confirmation page already refuses a row that protected rows use (a theme that jobs
    use); one that became used since the page was drawn raises ProtectedError in the service,
    and is kept with a message saying why, not a server error.
    """

    # Why a protected row cannot go, for the message.
    protected_text = "other records use it"

    def delete_with_service(self, obj):
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_with_service(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                self.delete_with_service(obj)
            except ProtectedError:
                self._kept(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError:  # Django's transaction is rolled back: nothing was deleted
            obj = self.get_object(request, unquote(object_id))
            self._kept(request, obj)
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", obj.pk)

    def _kept(self, request, obj):
        self.message_user(request, f"“{obj}” was not deleted: {self.protected_text}.",
                          messages.ERROR)


def _default_field(spec) -> forms.Field:
    """A theme's own default for one parameter: the new-painting form's field, blank meaning
    the engine's default."""
    engine_default = shown(spec, spec.default)
    if spec.kind == "bool":
        field = forms.TypedChoiceField(
            choices=[("", f"The engine's ({engine_default})"), ("true", "yes"), ("false", "no")],
            coerce=lambda v: v == "true", empty_value=None, label=spec.label)
    else:
        field = param_field(spec)
        if spec.kind == "choice":
            field.choices = [("", f"The engine's ({engine_default})"), *field.choices]
    field.required, field.initial = False, None
    field.help_text = f"Blank: the engine's default, {engine_default}."
    return field


class _ThemeForm(forms.ModelForm):
    """A theme; its default parameters are one field each (from the engine's descriptions,
    see ThemeAdminForm), checked like the API's (services.check_theme_defaults)."""

    class Meta:
        model = Theme
        exclude = ("default_params",)
        widgets = {"image": _ServedFileInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.image:  # the slug saved, whatever is typed now
            self.fields["image"].widget.served_url = reverse(
                "gallery:theme-image", args=[self.instance.slug])
        own = self.instance.default_params if isinstance(self.instance.default_params, dict) else {}
        for name, spec in user_specs().items():
            value = own.get(name)
            self.fields[f"default_{name}"].initial = (
                ",".join(map(str, value)) if spec.kind == "sizes" and value is not None
                else "true" if value is True else "false" if value is False else value)

    def clean(self):
        cleaned = super().clean()
        chosen = {name: value for name in user_specs()
                  if (value := cleaned.get(f"default_{name}")) not in (None, "", [])}
        try:
            self.instance.default_params = services.check_theme_defaults(chosen)
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for name, messages_ in errors.items():
                self.add_error(f"default_{name}" if name in chosen else None, messages_)
        return cleaned

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if "image" in self.changed_data and image:
            try:
                services.decode_upload(image)  # the same checks as a user's photo
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return image


# A field per parameter a person may choose, declared so that the admin's fieldsets know them.
ThemeAdminForm = type("ThemeAdminForm", (_ThemeForm,), {
    f"default_{name}": _default_field(spec) for name, spec in user_specs().items()})


@admin.register(Theme)
class ThemeAdmin(_DeleteWithFilesAdmin):
    form = ThemeAdminForm
    list_display = ("preview", "title", "artist", "year", "slug", "instant", "is_active", "order")
    list_display_links = ("preview", "title")
    list_editable = ("is_active", "order")
    list_filter = ("is_active",)
    search_fields = ("title", "artist", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("large_preview", "thumbnail_preview", "instant_preview", "network_file",
                       "network_record", "training", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "artist", "year", "description")}),
        ("Painting", {"fields": ("image", "large_preview", "thumbnail_preview", "source",
                                 "licence")}),
        ("Instant network", {"fields": ("instant_preview", "network_file", "network_record",
                                        "training")}),
        ("Use", {"fields": ("is_active", "order")}),
        ("Default parameters", {
            "fields": [f"default_{name}" for name in user_specs()],
            "description": "What a new painting of this theme starts from; a painting's own "
                           "choices override them. Blank: the engine's default.",
            "classes": ("collapse",)}),
        ("Dates", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    actions = ["train_instant_networks"]

    @admin.display(description="Instant", boolean=True)
    def instant(self, theme):
        return theme.is_instant

    def get_urls(self):
        return _file_paths(self, Theme, "network", downloads=("network",)) + super().get_urls()

    @staticmethod
    def _saved_slug(theme) -> str | None:
        """The slug the site knows `theme` by: a form sent back with errors holds the one
        typed, and a new theme has none yet."""
        return Theme.objects.filter(pk=theme.pk).values_list("slug", flat=True).first() \
            if theme.pk else None

    def _served(self, theme, view: str) -> str:
        """The URL of the site's public view `view` of `theme`'s image; empty: none yet."""
        slug = self._saved_slug(theme)
        return reverse(f"gallery:{view}", args=[slug]) if slug else ""

    @admin.display(description="Instant result")
    def instant_preview(self, theme):
        if not theme.instant_sample:
            return "No instant network yet."
        return _image_link(self._served(theme, "theme-instant-sample"))

    @admin.display(description="Network file")
    def network_file(self, theme):
        return _download_link(theme, "network") if theme.pk else "—"

    @admin.display(description="Training")
    def training(self, theme):
        if not theme.pk:
            return "—"
        runs = theme.training_runs.order_by("-created_at")[:5]
        links = [format_html('<a href="{}">Train a new instant network…</a>',
                             reverse("gallery:training-new", args=[self._saved_slug(theme)]))]
        links += [format_html('<a href="{}">Training {} ({}, step {}/{})</a>',
                              reverse("gallery:training-detail", args=[r.pk]), r.pk,
                              r.get_status_display(), r.step, r.total) for r in runs]
        return format_html_join(mark_safe("<br>"), "{}", ((link,) for link in links))

    @admin.action(description="Train instant networks (default steps and size)")
    def train_instant_networks(self, request, queryset):
        runs = []
        for theme in queryset:
            try:
                runs.append(services.training_start(theme=theme, requested_by=request.user))
            except ValidationError as exc:
                self.message_user(request, f"{theme.title}: {' '.join(exc.messages)}",
                                  messages.ERROR)
        if len(runs) == 1:
            return redirect("gallery:training-detail", pk=runs[0].pk)
        if runs:
            self.message_user(request, f"{len(runs)} trainings queued.", messages.SUCCESS)
        return None

    @admin.display(description="Painting")
    def preview(self, theme):
        return _preview(reverse("gallery:theme-thumbnail", args=[theme.slug])) if theme.image else "—"

    @admin.display(description="Preview")
    def large_preview(self, theme):
        url = self._served(theme, "theme-image")
        return _image_link(url) if url and theme.image else "—"

    @admin.display(description="Thumbnail")
    def thumbnail_preview(self, theme):
        url = self._served(theme, "theme-thumbnail")
        return _image_link(url, size=96) if url and theme.thumbnail else "—"

    def save_model(self, request, obj, form, change):
        if "image" in form.changed_data and form.cleaned_data.get("image"):
            # Stored re-encoded (metadata stripped) with a fresh thumbnail, like a photo.
            services.theme_set_image(theme=obj, upload=form.cleaned_data["image"])
        else:
            super().save_model(request, obj, form, change)

    protected_text = "jobs use it. Untick “Is active” to hide it from new paintings instead"

    def delete_with_service(self, obj):
        services.theme_delete(theme=obj)


@admin.register(Photo)
class PhotoAdmin(_DeleteWithFilesAdmin):
    list_display = ("preview", "__str__", "owner", "width", "height", "size_bytes", "created_at")
    list_select_related = ("owner",)
    list_filter = ("created_at",)
    search_fields = ("original_name", "owner__username", "checksum")
    date_hierarchy = "created_at"
    fields = readonly_fields = ("image_preview", "thumbnail_preview", "owner", "original_name",
                                "width", "height", "size_bytes", "checksum", "created_at")

    def has_add_permission(self, request):
        return False  # photos come in through the site or the API, where they are validated

    def get_urls(self):
        return _file_paths(self, Photo, "image", "thumbnail") + super().get_urls()

    @admin.display(description="Photo")
    def preview(self, photo):
        return _preview(reverse("admin:gallery_photo_thumbnail", args=[photo.pk])) if photo.pk else "—"

    @admin.display(description="Image")
    def image_preview(self, photo):
        return _image_link(reverse("admin:gallery_photo_image", args=[photo.pk]))

    @admin.display(description="Thumbnail")
    def thumbnail_preview(self, photo):
        return _image_link(reverse("admin:gallery_photo_thumbnail", args=[photo.pk]), size=96) \
            if photo.thumbnail else "—"

    def delete_with_service(self, obj):
        services.photo_delete(photo=obj)


class JobThemeInline(admin.TabularInline):
    model = JobTheme
    extra = 0
    fields = ("theme", "weight", "region", "position")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SnapshotInline(admin.TabularInline):
    model = Snapshot
    extra = 0
    fields = ("iteration", "preview", "losses", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Image")
    def preview(self, snapshot):
        url = reverse("admin:gallery_snapshot_image", args=[snapshot.pk])
        return format_html('<a href="{}">{}</a>', url, _preview(url))


@admin.register(Job)
class JobAdmin(_DeleteWithFilesAdmin):
    list_display = ("id", "owner", "status", "progress", "theme_list", "device", "created_at", "finished_at")
    list_filter = ("status", "device", "created_at")
    list_select_related = ("owner",)
    search_fields = ("=id", "owner__username", "error")
    date_hierarchy = "created_at"
    inlines = [JobThemeInline, SnapshotInline]
    readonly_fields = (
        "owner", "photo", "params", "status", "cancel_requested", "attempts", "heartbeat_at", "iteration",
        "total", "losses", "loss_history", "elapsed", "remaining", "result_preview",
        "raw_result_preview", "instant_preview", "regions_preview", "state_file", "error", "device",
        "engine_version", "created_at", "started_at", "finished_at", "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("owner", "photo", "status", "cancel_requested", "error")}),
        ("Progress", {"fields": ("iteration", "total", "losses", "elapsed", "remaining", "attempts",
                                 "heartbeat_at", "loss_history")}),
        ("Result", {"fields": ("result_preview", "raw_result_preview", "instant_preview",
                               "regions_preview", "state_file", "device", "engine_version")}),
        ("Parameters", {"fields": ("params",)}),
        ("Dates", {"fields": ("created_at", "started_at", "finished_at", "updated_at")}),
    )
    actions = ["cancel_jobs"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("job_themes__theme")

    def get_urls(self):
        return (_file_paths(self, Job, "result", "raw_result", "preview", "regions", "state",
                            downloads=("state",))
                + _file_paths(self, Snapshot, "image", prefix="snapshots/")
                + super().get_urls())

    @admin.display(description="Progress")
    def progress(self, job):
        return f"{job.iteration}/{job.total}"

    @admin.display(description="Themes")
    def theme_list(self, job):
        return ", ".join(f"{jt.theme.slug}×{jt.weight:g}" for jt in job.job_themes.all())

    @admin.display(description="Result")
    def result_preview(self, job):
        return self._image(job, "result")

    @admin.display(description="Raw result (before colour changes)")
    def raw_result_preview(self, job):
        return self._image(job, "raw_result")

    @admin.display(description="Instant preview")
    def instant_preview(self, job):
        return self._image(job, "preview")

    @admin.display(description="Regions drawing")
    def regions_preview(self, job):
        return self._image(job, "regions")

    @admin.display(description="Engine state")
    def state_file(self, job):
        return _download_link(job, "state")

    @staticmethod
    def _image(job, field: str):
        return _image_link(reverse(f"admin:gallery_job_{field}", args=[job.pk])) \
            if getattr(job, field) else "—"

    @admin.action(description="Cancel selected jobs")
    def cancel_jobs(self, request, queryset):
        for job in queryset:
            services.job_cancel(job=job)

    def delete_with_service(self, obj):
        services.job_delete(job=obj)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Training runs are started from the themes (an action) or the API; here they are listed."""

    list_display = ("id", "theme", "status", "progress", "requested_by", "created_at", "live")
    list_filter = ("status",)
    list_select_related = ("theme", "requested_by")
    exclude = ("checkpoint",)  # shown as checkpoint_file: a download through the admin's view
    readonly_fields = [f.name for f in TrainingRun._meta.fields if f.name != "checkpoint"] \
        + ["checkpoint_file", "live"]
    actions = ["cancel_runs"]

    def get_urls(self):
        return _file_paths(self, TrainingRun, "checkpoint", downloads=("checkpoint",)) \
            + super().get_urls()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Progress")
    def progress(self, run):
        return f"{run.step}/{run.total}"

    @admin.display(description="Checkpoint")
    def checkpoint_file(self, run):
        return _download_link(run, "checkpoint")

    @admin.display(description="Live page")
    def live(self, run):
        return format_html('<a href="{}">open</a>', reverse("gallery:training-detail", args=[run.pk]))

    @admin.action(description="Cancel selected training runs")
    def cancel_runs(self, request, queryset):
        for run in queryset:
            services.training_cancel(run=run)
