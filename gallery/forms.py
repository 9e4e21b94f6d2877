"""Forms of the gallery's pages.

The new-job form's engine fields are generated from `engine.params.StyleParams`: their names,
types, defaults and choices are read from the dataclass, and their values are validated by it (in
`services.job_create`), so nothing about a parameter is written twice.
"""
from __future__ import annotations

import dataclasses
import types
import typing

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from engine.layers import LAYER_NAMES
from engine.params import INIT_KINDS, MAX_WEIGHT, SUGGESTED_SIZES, StyleParams

from . import selectors
from .limits import MAX_STRENGTH
from .models import Job

# Fields of the main section, in order; every other job parameter goes under "Advanced".
MAIN_FIELDS = ("size", "iterations", "preserve_colors")
# Not a job's choice: style_blend_weights come from the theme rows; the rest from the worker.
NOT_IN_FORM = ("style_blend_weights", "backbone", "weights", "device")

# Labels and help for people (presentation only; defaults and limits come from StyleParams).
LABELS = {
    "size": ("Size (px, long side)", "512 is quick; 1024 and 1536 are sharp enough to print."),
    "iterations": ("Iterations (at most)",
                   "The painting stops by itself once it has converged; this is the limit."),
    "exact_iterations": ("Run every iteration", "Do not stop early when the painting has converged."),
    "tolerance": ("Convergence tolerance",
                  "Done when the loss falls by less than this share per iteration."),
    "multi_scale": ("Multi-scale", "Paint a small copy first, then refine it at larger sizes."),
    "preserve_colors": ("Preserve the photo's colours", "Apply the brushwork, keep your colours."),
    "optimizer": ("Optimizer", "L-BFGS converges in fewer steps; Adam uses less memory."),
    "content_weight": ("Content weight", "How closely to keep the photo's shapes."),
    "style_weight": ("Style weight", "Multiplied by the strength slider."),
    "tv_weight": ("Smoothness (TV weight)", "Higher removes speckle noise."),
    "content_layers": ("Content layers", ""),
    "style_layers": ("Style layers", ""),
    "content_weight_blend": ("Content layer blend", "Share of the first content layer (0 to 1)."),
    "style_layer_weight_exp": ("Style layer weight exponent", "0 weighs all style layers equally."),
    "style_scale": ("Style scale", "Size of the painting's brushwork relative to the photo."),
    "scales": ("Coarse scales", "Comma-separated long sides, e.g. 128,256; empty: halving from the size."),
    "init": ("Start from", "The photo, or random noise."),
    "seed": ("Seed", "Empty: a random one (it is saved with the job)."),
    "match_histogram": ("Match colour histogram", "Match the painting's colours to the photo first."),
    "pooling": ("Pooling", ""),
    "learning_rate": ("Learning rate", "Adam only."),
    "beta1": ("Adam beta1", ""),
    "beta2": ("Adam beta2", ""),
    "epsilon": ("Adam epsilon", ""),
    "snapshot_every": ("Snapshot every", "Iterations between progress images; 0: none."),
}

_DEFAULTS = StyleParams()


def _layer_names() -> tuple[str, ...]:
    return LAYER_NAMES[settings.STYLE_BACKBONE]


def _is_optional(hint) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


def _param_field(name: str, hint, default) -> forms.Field:
    """A form field for one StyleParams field, from its type and default."""
    label, help_text = LABELS.get(name, (name.replace("_", " ").capitalize(), ""))
    common = {"label": label, "help_text": help_text}
    optional = _is_optional(hint)
    if optional:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    origin = typing.get_origin(hint)
    if name == "init":  # a path is for the command line; on the site, the two kinds
        return forms.ChoiceField(choices=[(k, k.capitalize()) for k in INIT_KINDS], initial=default, **common)
    if origin is typing.Literal:
        return forms.ChoiceField(choices=[(c, c) for c in typing.get_args(hint)], initial=default, **common)
    if hint is bool:
        return forms.BooleanField(required=False, initial=default, **common)
    if hint is int:
        return forms.IntegerField(required=not optional, initial=default, **common)
    if hint is float:
        return forms.FloatField(
            required=not optional, initial=default, widget=forms.NumberInput(attrs={"step": "any"}), **common
        )
    if origin is tuple and typing.get_args(hint)[0] is str:  # VGG layer names
        return forms.MultipleChoiceField(
            choices=[(layer, layer) for layer in _layer_names()], initial=list(default),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "layer-choice"}), **common,
        )
    if origin is tuple and typing.get_args(hint)[0] is int:  # a list of sizes
        return IntListField(required=False, initial=",".join(map(str, default)), **common)
    raise TypeError(f"no form field for StyleParams.{name}: {hint!r}")


class IntListField(forms.CharField):
    """Comma-separated integers ("128, 256") as a list."""

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return [int(part) for part in text.replace(" ", "").split(",") if part]
        except ValueError:
            raise ValidationError("Enter whole numbers separated by commas.", code="invalid") from None


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username",)


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
    theme = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", empty_label="Choose a painting…",
        error_messages={"invalid_choice": "Choose one of the themes."},
    )
    weight = forms.FloatField(initial=1.0, max_value=MAX_WEIGHT,
                              widget=forms.NumberInput(attrs={"step": "any", "min": "0"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = selectors.active_themes()

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if not weight > 0:
            raise ValidationError("The weight must be greater than 0.", code="weight")
        return weight


class BaseThemeWeightFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            theme = form.cleaned_data.get("theme")
            if theme is None:
                continue
            if theme.pk in seen:
                raise ValidationError(f"“{theme.title}” is chosen twice.", code="duplicate")
            seen.add(theme.pk)
        if not seen:
            raise ValidationError("Choose at least one theme.", code="required")

    def themes(self) -> list[tuple]:
        return [
            (f.cleaned_data["theme"], f.cleaned_data["weight"])
            for f in self.forms
            if f.cleaned_data.get("theme") is not None
        ]


ThemeWeightFormSet = forms.formset_factory(
    ThemeWeightForm, formset=BaseThemeWeightFormSet, extra=0, min_num=1, validate_min=True,
    max_num=settings.STYLE_MAX_THEMES, validate_max=True,
)


class JobForm(forms.Form):
    """The photo, the kind of painting, the strength and every StyleParams field (main ones
    first, then "Advanced")."""

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
        label="Style strength", initial=1.0, max_value=MAX_STRENGTH,
        help_text="Scales the style weight.",
        widget=forms.NumberInput(attrs={"type": "range", "min": "0.1", "max": "5", "step": "0.1"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].queryset = selectors.photos_for(user)
        hints = typing.get_type_hints(StyleParams)
        for f in dataclasses.fields(StyleParams):
            if f.name not in NOT_IN_FORM:
                self.fields[f.name] = _param_field(f.name, hints[f.name], getattr(_DEFAULTS, f.name))
        self.fields["size"].widget.attrs["list"] = "size-choices"
        self.size_choices = SUGGESTED_SIZES

    def clean_strength(self):
        strength = self.cleaned_data["strength"]
        if not strength > 0:
            raise ValidationError("The strength must be greater than 0.", code="invalid")
        return strength

    @property
    def main_fields(self):
        return [self[name] for name in MAIN_FIELDS]

    @property
    def advanced_fields(self):
        skip = {"photo", "strength", "mode", *MAIN_FIELDS}
        return [self[name] for name in self.fields if name not in skip]

    def params(self) -> dict:
        """The parameters the user set, as StyleParams names and types.

        A value left at StyleParams' default is left out, so a theme's own defaults (its
        default_params) apply unless the user changed that parameter.
        """
        defaults = _DEFAULTS.to_dict()
        out = {}
        for name in self.fields:
            if name in ("photo", "strength", "mode"):
                continue
            value = self.cleaned_data.get(name)
            if isinstance(value, tuple):
                value = list(value)
            if value != defaults.get(name):
                out[name] = value
        return out


# The training options staff choose on the site; the rest keep TrainParams' defaults.
TRAINING_FIELDS = ("steps", "size", "batch", "style_weight", "style_scale", "seed")
TRAINING_LABELS = {
    "steps": ("Steps", "Adam steps; 1200 take 12 to 25 minutes on two CPU cores."),
    "size": ("Crop size (px)", "Side of the photo crops the network learns on."),
    "batch": ("Batch", "Photo crops per step."),
    "style_weight": ("Style weight", "Higher paints more of the painting over the photo."),
    "style_scale": ("Style scale", "The painting's size relative to a crop: larger, finer strokes."),
    "seed": ("Seed", "Empty: a random one (it is saved with the run)."),
}


class TrainingForm(forms.Form):
    """Start training a theme's instant network: fields generated from TrainParams."""

    def __init__(self, *args, **kwargs):
        from engine.params import TrainParams

        super().__init__(*args, **kwargs)
        hints = typing.get_type_hints(TrainParams)
        defaults = TrainParams()
        for name in TRAINING_FIELDS:
            label, help_text = TRAINING_LABELS[name]
            field = _param_field(name, hints[name], getattr(defaults, name))
            field.label, field.help_text = label, help_text
            self.fields[name] = field

    def params(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}
