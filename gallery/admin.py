"""Admin: themes (with previews and instant networks; a painting is validated like a photo),
photos, jobs, snapshots, and the training runs of instant networks.

Deletes go through the services so files are removed with their rows. django-q2 registers its
own admin (queued, successful and failed tasks, schedules).
"""
from django import forms
from django.contrib import admin
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import services
from .forms import param_field
from .models import Job, JobTheme, Photo, Snapshot, Theme, TrainingRun
from .params import shown, user_specs
from .views.media import file_response


def _admin_file_view(model_admin, model, field):
    """A private file for staff who may view `model` in the admin (the site's views are owner-only)."""
    def view(request, pk):
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        return file_response(getattr(get_object_or_404(model, pk=pk), field), private=True)
    return model_admin.admin_site.admin_view(view)


def _preview(url: str, *, size: int = 64):
    return format_html(
        '<img src="{}" alt="" style="width:{}px;height:{}px;object-fit:cover;border-radius:6px">', url, size, size
    )


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
    readonly_fields = ("large_preview", "thumbnail", "instant_preview", "network_record",
                       "training", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "artist", "year", "description")}),
        ("Painting", {"fields": ("image", "large_preview", "thumbnail", "source", "licence")}),
        ("Instant network", {"fields": ("instant_preview", "network_record", "training")}),
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

    @admin.display(description="Instant result")
    def instant_preview(self, theme):
        if not theme.instant_sample:
            return "No instant network yet."
        return _preview(reverse("gallery:theme-instant-sample", args=[theme.slug]), size=240)

    @admin.display(description="Training")
    def training(self, theme):
        if not theme.pk:
            return "—"
        runs = theme.training_runs.order_by("-created_at")[:5]
        links = [format_html('<a href="{}">Train a new instant network…</a>',
                             reverse("gallery:training-new", args=[theme.slug]))]
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
        # Not before it is saved: a new theme's form shown again with errors has no slug yet.
        if not (theme.pk and theme.image):
            return "—"
        return _preview(reverse("gallery:theme-thumbnail", args=[theme.slug]), size=240)

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
    readonly_fields = ("preview", "owner", "image", "thumbnail", "width", "height", "size_bytes", "checksum",
                       "original_name", "created_at")

    def has_add_permission(self, request):
        return False  # photos come in through the site or the API, where they are validated

    def get_urls(self):
        return [
            path("<int:pk>/thumbnail/", _admin_file_view(self, Photo, "thumbnail"), name="gallery_photo_thumbnail"),
        ] + super().get_urls()

    @admin.display(description="Photo")
    def preview(self, photo):
        return _preview(reverse("admin:gallery_photo_thumbnail", args=[photo.pk])) if photo.pk else "—"

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
        return _preview(reverse("admin:gallery_job_snapshot", args=[snapshot.pk]))


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
        "total", "losses", "loss_history", "elapsed", "remaining", "result_preview", "result", "error",
        "device", "engine_version", "created_at", "started_at", "finished_at", "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("owner", "photo", "status", "cancel_requested", "error")}),
        ("Progress", {"fields": ("iteration", "total", "losses", "elapsed", "remaining", "attempts",
                                 "heartbeat_at", "loss_history")}),
        ("Result", {"fields": ("result_preview", "result", "device", "engine_version")}),
        ("Parameters", {"fields": ("params",)}),
        ("Dates", {"fields": ("created_at", "started_at", "finished_at", "updated_at")}),
    )
    actions = ["cancel_jobs"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("job_themes__theme")

    def get_urls(self):
        return [
            path("<int:pk>/result/", _admin_file_view(self, Job, "result"), name="gallery_job_result"),
            path("snapshots/<int:pk>/", _admin_file_view(self, Snapshot, "image"), name="gallery_job_snapshot"),
        ] + super().get_urls()

    @admin.display(description="Progress")
    def progress(self, job):
        return f"{job.iteration}/{job.total}"

    @admin.display(description="Themes")
    def theme_list(self, job):
        return ", ".join(f"{jt.theme.slug}×{jt.weight:g}" for jt in job.job_themes.all())

    @admin.display(description="Result")
    def result_preview(self, job):
        return _preview(reverse("admin:gallery_job_result", args=[job.pk]), size=240) if job.result else "—"

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
    readonly_fields = [f.name for f in TrainingRun._meta.fields] + ["live"]
    actions = ["cancel_runs"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Progress")
    def progress(self, run):
        return f"{run.step}/{run.total}"

    @admin.display(description="Live page")
    def live(self, run):
        return format_html('<a href="{}">open</a>', reverse("gallery:training-detail", args=[run.pk]))

    @admin.action(description="Cancel selected training runs")
    def cancel_runs(self, request, queryset):
        for run in queryset:
            services.training_cancel(run=run)
