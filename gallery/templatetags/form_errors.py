"""The error summary on top of a form (templates/includes/form_errors.html): every error the
form and its formset hold, in the page's order, each with its field's label and a link to the
field's wrapper (`field-<html name>`, which includes/field.html and the job form give every
field they show)."""
from __future__ import annotations

from dataclasses import dataclass

from django import template

register = template.Library()


@dataclass(frozen=True)
class ErrorItem:
    message: str
    label: str = ""  # the field's, as the page shows it; empty: an error of the whole form
    target: str = ""  # the id its link goes to; empty: no link (nothing to go to)


def _field_items(bound_field, label: str | None = None) -> list[ErrorItem]:
    # A hidden field has no wrapper to go to, unless the page shows it some other way (the
    # regions drawing: its step).
    linked = not bound_field.is_hidden or getattr(bound_field.field, "shown_by_page", False)
    target = f"field-{bound_field.html_name}" if linked else ""
    label = bound_field.label if label is None else label
    return [ErrorItem(str(m), label, target) for m in bound_field.errors]


def _formset_items(formset) -> list[ErrorItem]:
    """The formset's own errors (linked to its rows), then each row's, labelled by its number
    ("Painting 2, weight")."""
    rows = f"field-{formset.prefix}"
    items = [ErrorItem(str(m), "", rows) for m in formset.non_form_errors()]
    title = getattr(formset, "row_title", "Row")
    for number, row in enumerate(formset.forms, start=1):
        items += [ErrorItem(str(m), f"{title} {number}", rows) for m in row.non_field_errors()]
        for bound_field in row:
            label = f"{title} {number}" if bound_field.label == title \
                else f"{title} {number}, {bound_field.label.lower()}"
            items += _field_items(bound_field, label)
    return items


@register.simple_tag
def error_items(form, formset=None, formset_after: str = "") -> list[ErrorItem]:
    """The form's own errors first, then its fields' in the form's order; the formset's after
    the field `formset_after` (where its rows are on the page), else last."""
    if not form or not getattr(form, "is_bound", False):
        return []
    items = [ErrorItem(str(m)) for m in form.non_field_errors()]
    rows = _formset_items(formset) if formset and formset.is_bound else []
    for bound_field in form:
        items += _field_items(bound_field)
        if bound_field.name == formset_after:
            items, rows = items + rows, []
    return items + rows
