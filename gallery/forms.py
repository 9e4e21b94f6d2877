"""Forms of the gallery's pages.

The new-job form's engine fields are generated from the engine's descriptions of its parameters
(gallery.params.user_specs): labels, help, limits, choices and defaults. Their values, and the
theme rows, are checked by the service (`services.job_create`), so nothing is checked twice.
"""
from __future__ import annotations

import threading

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError

from engine.layers import LAYER_NAMES
from engine.params import SUGGESTED_SIZES

from . import regions, selectors
from .models import Job, JobTheme
from .params import user_specs

# Fields of the main section, in order; every other choosable parameter goes under "Advanced".
MAIN_FIELDS = ("size", "iterations", "preserve_colors")
# The fields in the order the page shows them (job_form.html), so its error summary lists them
# so; the rest follow in the engine's order (the "Advanced" section).
PAGE_ORDER = ("photo", "regions", "mode", "size", "iterations", "strength", "preserve_colors")
# The strength slider's range; the service takes up to limits.MAX_STRENGTH (the API's).
STRENGTH_RANGE = (0.1, 5.0)


def _limits(spec) -> dict:
    """The browser's own limits for a number input (it says them before they are hit)."""
    attrs = {}
    if spec.minimum is not None:
        attrs["min"] = f"{spec.minimum:g}"
    if spec.maximum is not None and spec.maximum < 2**53:
        attrs["max"] = f"{spec.maximum:g}"
    return attrs


def param_field(spec) -> forms.Field:
    """The form field of one parameter, from its description (gallery.params.user_specs)."""
    help_text = spec.help if spec.kind in ("bool", "choice", "layers") else \
        f"{spec.help} Must be {spec.rule}.".strip()
    common = {"label": spec.label, "help_text": help_text}
    default = spec.default
    if spec.kind == "choice":
        return forms.ChoiceField(choices=[(c, c) for c in spec.choices],
                                 initial=default, **common)
    if spec.kind == "bool":
        return forms.BooleanField(required=False, initial=default, **common)
    if spec.kind == "int":
        return forms.IntegerField(required=not spec.optional, initial=default,
                                  widget=forms.NumberInput(attrs=_limits(spec)), **common)
    if spec.kind == "float":
        return forms.FloatField(required=not spec.optional, initial=default, widget=forms.NumberInput(
            attrs={"step": "any", **_limits(spec)}), **common)
    if spec.kind == "layers":  # VGG layer names
        return forms.MultipleChoiceField(
            choices=[(layer, layer) for layer in LAYER_NAMES[settings.STYLE_BACKBONE]],
            initial=list(default), **common,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "layer-choice"}))
    if spec.kind == "sizes":
        return IntListField(required=False, initial=",".join(map(str, default)), **common)
    raise TypeError(f"no form field for a {spec.kind} parameter ({spec.name})")


class IntListField(forms.CharField):
    """Comma-separated integers ("128, 256") as a list."""

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return [int(part) for part in text.replace(" ", "").split(",") if part]
        except ValueError:
            raise ValidationError("Enter whole numbers separated by commas.", code="invalid") from None


RESET_MAIL_THREAD = "password-reset-mail"
EMAIL_HELP = "Optional. Needed to reset a forgotten password and to hear when a painting is done."


class SignUpForm(auth_forms.UserCreationForm):
    class Meta(auth_forms.UserCreationForm.Meta):
        fields = ("username", "email")
        labels = {"email": "E-mail address"}
        help_texts = {"email": EMAIL_HELP}


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="E-mail address", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="The address your account has. An account without one cannot be reset this "
                  "way: ask the site's administrator.")

    def send_mail(self, *args, **kwargs):
        """Sent from a thread of its own, not before the answer: an address with an account
        would otherwise be answered later than one without, by the mail server's time, and so
        give itself away. Django's own sending logs a failure and never raises."""
        threading.Thread(target=super().send_mail, args=args, kwargs=kwargs,
                         name=RESET_MAIL_THREAD).start()


class AccountForm(forms.Form):
    """A user's e-mail address and whether finished paintings are told by e-mail. Changing the
    address asks for the password: whoever holds the address can reset it."""

    email = forms.EmailField(label="E-mail address", required=False, help_text=EMAIL_HELP)
    password = forms.CharField(
        label="Current password", required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only to change the e-mail address.")
    email_when_finished = forms.BooleanField(
        label="E-mail me when a full painting finishes", required=False,
        help_text="When it succeeds or fails; instant paintings are ready at once.")

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = request.user

    def clean(self):
        data = super().clean()
        email = data.get("email")
        if email is None:  # invalid: its own error says why
            return data
        email = data["email"] = get_user_model().objects.normalize_email(email)
        if email != self.user.email and not self._password_is_right(data.get("password", "")):
            self.add_error("password", ValidationError(
                "Enter your current password to change the e-mail address.", code="password"))
        if data.get("email_when_finished") and not email:
            self.add_error("email_when_finished", ValidationError(
                "Add an e-mail address to be told by e-mail.", code="no_email"))
        return data

    def _password_is_right(self, password: str) -> bool:
        # Through authenticate(), so wrong passwords count towards the log-in lockout (axes).
        return bool(password) and authenticate(
            self.request, username=self.user.get_username(), password=password) == self.user


class PhotoUploadForm(forms.Form):
    # A FileField, not an ImageField: decoding and every check is services.photo_create's.
    image = forms.FileField(label="Photo", required=False)

    def __init__(self, *args, refusal: str | None = None, **kwargs):
        """`refusal`: why the upload handler stopped the body (gallery.uploads.refusal)."""
        super().__init__(*args, **kwargs)
        self.refusal = refusal

    def clean(self):
        if self.refusal:
            self.add_error("image", ValidationError(self.refusal, code="too_large"))
        elif not self.cleaned_data.get("image") and "image" not in self.errors:
            self.add_error("image", ValidationError("Choose a photo to upload.", code="required"))
        return self.cleaned_data


class ThemeWeightForm(forms.Form):
    # An empty row is skipped; whether the rows make a valid blend is the service's to say.
    theme = forms.ModelChoiceField(
        label="Painting", queryset=None, to_field_name="slug", required=False,
        empty_label="Choose a painting…",
        error_messages={"invalid_choice": "Choose one of the themes."},
    )
    weight = forms.FloatField(initial=1.0, widget=forms.NumberInput(attrs={"step": "any", "min": "0"}))
    # Shown (and sent) only while the form's regions are on: left out, the theme paints everywhere.
    region = forms.ChoiceField(label="Where", choices=JobTheme.Region.choices, required=False,
                               initial=JobTheme.Region.ALL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = selectors.active_themes()

    def clean_region(self):
        return self.cleaned_data["region"] or JobTheme.Region.ALL


class BaseThemeWeightFormSet(forms.BaseFormSet):
    row_title = "Painting"  # a row's errors in the summary: "Painting 2, weight: ..."

    def themes(self) -> list[tuple]:
        """(theme, weight, region) of each row that names a theme."""
        return [
            (f.cleaned_data["theme"], f.cleaned_data["weight"], f.cleaned_data["region"])
            for f in self.forms
            if f.cleaned_data.get("theme") is not None
        ]


ThemeWeightFormSet = forms.formset_factory(
    ThemeWeightForm, formset=BaseThemeWeightFormSet, extra=0, min_num=1,
    max_num=settings.STYLE_MAX_THEMES,
)


class RegionsField(forms.Field):
    """The drawing of the form's regions (static/js/regions.js): a PNG data URL in a hidden
    field, as bytes; empty, None. That it is an image of the photo is the service's to say."""

    widget = forms.HiddenInput
    shown_by_page = True  # by the regions step: the error summary links there

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return regions.from_text(str(value))


class JobForm(forms.Form):
    """The photo, the kind of painting, the strength and every parameter a person may choose
    (main ones first, then "Advanced"). It shows, and sends, the values the painting will use:
    the chosen theme's defaults, or the parameters of the job painted again."""

    mode = forms.ChoiceField(
        label="Kind of painting", choices=Job.Mode.choices, initial=Job.Mode.INSTANT,
        widget=forms.RadioSelect,
        help_text="Instant: ready in about a second. Full painting: the finest result, in minutes.",
    )
    photo = forms.ModelChoiceField(
        queryset=None, empty_label=None, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of your photos."},
    )
    strength = forms.FloatField(
        label="Style strength", initial=1.0,
        help_text="Scales the style weight, from {:g}× to {:g}×.".format(*STRENGTH_RANGE),
        widget=forms.NumberInput(attrs={"type": "range", "min": f"{STRENGTH_RANGE[0]:g}",
                                        "max": f"{STRENGTH_RANGE[1]:g}", "step": "0.1"}),
    )
    # "Paint again": the job this one repeats with tweaks (one of the user's own).
    parent = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    # Where each theme paints: white the subject, black the background (gallery/regions.py).
    regions = RegionsField(required=False)

    def __init__(self, *args, user, values: dict | None = None, **kwargs):
        """`values`: the parameters to show (gallery.params.theme_values or a job's)."""
        super().__init__(*args, **kwargs)
        self.fields["photo"].queryset = selectors.photos_for(user)
        self.fields["parent"].queryset = selectors.jobs_for(user)
        self.param_names = tuple(user_specs())
        for name, spec in user_specs().items():
            self.fields[name] = param_field(spec)
            if values is not None and name in values:
                value = values[name]
                self.fields[name].initial = (",".join(map(str, value)) if spec.kind == "sizes"
                                             else value)
        self.fields["size"].widget.attrs["list"] = "size-choices"
        self.size_choices = SUGGESTED_SIZES
        self.order_fields(PAGE_ORDER)

    @property
    def main_fields(self):
        return [self[name] for name in MAIN_FIELDS]

    @property
    def advanced_fields(self):
        return [self[name] for name in self.param_names if name not in MAIN_FIELDS]

    @property
    def advanced_errors(self) -> bool:
        """Whether a field of "Advanced" has an error: the page opens the section then."""
        return any(field.errors for field in self.advanced_fields)

    def params(self) -> dict:
        """Every parameter as the user sent it (StyleParams names, lists for tuples): what the
        form showed is what the painting uses, whatever the theme's own defaults."""
        return {name: list(v) if isinstance(v := self.cleaned_data.get(name), tuple) else v
                for name in self.param_names if name in self.cleaned_data}


# The training options staff choose on the site; the rest keep TrainParams' defaults.
TRAINING_FIELDS = ("steps", "size", "batch", "style_weight", "style_scale", "seed")


class TrainingForm(forms.Form):
    """Start training a theme's instant network: fields generated from TrainParams."""

    def __init__(self, *args, **kwargs):
        from engine.params import TrainParams

        super().__init__(*args, **kwargs)
        specs = user_specs(TrainParams)
        for name in TRAINING_FIELDS:
            self.fields[name] = param_field(specs[name])

    def params(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}
