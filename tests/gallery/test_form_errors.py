"""The error summary every form of the site shares (templatetags/form_errors.py,
includes/form_errors.html): on top, every error with its field's label, linked to the field.
The new-painting form's own cases are in test_job_form.py."""
import re

import pytest
from django.urls import reverse

from gallery.templatetags.form_errors import ErrorItem, error_items

pytestmark = pytest.mark.django_db


def _summary(response) -> str:
    block = re.search(r"<div[^>]*data-error-summary.*?</ul>", response.content.decode(), re.S)
    return block.group(0) if block else ""


def _items(response) -> list[tuple[str, str]]:
    """(link target or "", text) of each item of the summary."""
    out = []
    for item in re.findall(r"<li>(.*?)</li>", _summary(response), re.S):
        target = re.search(r'href="#([^"]+)"', item)
        text = " ".join(re.sub(r"<[^>]+>", "", item).split())
        out.append((target.group(1) if target else "", text))
    return out


def test_a_page_without_errors_has_no_summary(anon_client):
    assert "data-error-summary" not in anon_client.get(reverse("gallery:signup")).content.decode()


def test_sign_up_sums_up_its_errors_linked_to_the_fields(anon_client, alice):
    response = anon_client.post(reverse("gallery:signup"), {
        "username": "alice", "email": "not an address", "password1": "x", "password2": "y"})
    html = response.content.decode()
    assert 'role="alert"' in _summary(response)
    assert html.index("data-error-summary") < html.index('id="field-username"')
    items = _items(response)
    assert ("field-username", "Username: A user with that username already exists.") in items
    assert ("field-email", "E-mail address: Enter a valid email address.") in items
    assert any(target == "field-password2" and "didn’t match" in text for target, text in items)
    assert all(f'id="{target}"' in html for target, _ in items)
    assert 'value="alice"' in html and 'value="not an address"' in html  # what was typed stays


def test_a_wrong_password_is_said_on_top_without_a_link(anon_client, alice):
    response = anon_client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    [(target, text)] = _items(response)
    assert target == "" and "correct username and password" in text
    assert "There is a problem" in _summary(response)


def test_the_account_page_links_its_error_to_the_password(alice_client):
    response = alice_client.post(reverse("gallery:account"), {"email": "new@example.com"})
    assert _items(response) == [
        ("field-password", "Current password: Enter your current password to change the e-mail "
                           "address.")]
    assert 'id="field-password"' in response.content.decode()


def test_an_unbound_form_or_none_has_no_items():
    from gallery.forms import SignUpForm

    assert error_items(SignUpForm()) == [] and error_items("") == []


def test_the_formset_goes_where_its_rows_are_on_the_page(alice, photo, starry):
    from gallery.forms import JobForm, ThemeWeightFormSet

    form = JobForm({"photo": "", "mode": "full", "strength": "1"}, user=alice)
    formset = ThemeWeightFormSet({"themes-TOTAL_FORMS": "1", "themes-INITIAL_FORMS": "0",
                                  "themes-0-theme": "nope", "themes-0-weight": "1"},
                                 prefix="themes")
    items = error_items(form, formset, "photo")
    assert items[0] == ErrorItem("This field is required.", "Photo", "field-photo")
    assert items[1] == ErrorItem("Choose one of the themes.", "Painting 1", "field-themes-0-theme")
    assert error_items(form, formset)[-1] == items[1]  # without a place: last
