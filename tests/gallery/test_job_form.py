"""The new-job page: defaults from StyleParams, several themes, field errors next to fields."""
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils.html import escape

from engine.params import StyleParams
from gallery.models import Job

pytestmark = pytest.mark.django_db

URL = reverse("gallery:job-new")


def _post(client, photo, *themes, **fields):
    """A full submission, like the browser's: every field at its default unless given."""
    data = {
        "photo": photo.pk, "mode": "full", "strength": "1.0", "size": "64", "iterations": "20",
        "themes-TOTAL_FORMS": str(len(themes)), "themes-INITIAL_FORMS": "0",
        "themes-MIN_NUM_FORMS": "1", "themes-MAX_NUM_FORMS": "5",
    }
    defaults = StyleParams()
    for name in ("optimizer", "content_weight", "style_weight", "tv_weight", "content_weight_blend",
                 "style_layer_weight_exp", "style_scale", "init", "pooling", "learning_rate", "beta1",
                 "beta2", "epsilon", "snapshot_every", "tolerance"):
        data[name] = str(getattr(defaults, name))
    data["multi_scale"] = "on"  # a checkbox checked by default
    data["content_layers"] = list(defaults.content_layers)
    data["style_layers"] = list(defaults.style_layers)
    for i, (slug, weight) in enumerate(themes):
        data[f"themes-{i}-theme"] = slug
        data[f"themes-{i}-weight"] = str(weight)
    data.update(fields)
    return client.post(URL, data)


def _field_errors(response, name) -> str:
    html = response.content.decode()
    block = re.search(rf'id="field-{name}".*?</div>', html, re.S)
    return block.group(0) if block else ""


def test_the_form_shows_the_engine_defaults(alice_client, photo, starry):
    response = alice_client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    defaults = StyleParams()
    for name in ("size", "iterations", "tv_weight", "optimizer", "learning_rate", "snapshot_every"):
        assert form[name].initial == getattr(defaults, name)
    html = response.content.decode()
    assert "<details" in html and "Advanced" in html
    assert starry.title in html


def test_every_style_param_but_the_workers_has_a_field(alice_client, photo):
    form = alice_client.get(URL).context["form"]
    expected = set(StyleParams().to_dict()) - {"device", "weights", "backbone", "style_blend_weights"}
    assert expected <= set(form.fields)


def test_the_form_preselects_a_photo_and_a_theme(alice_client, photo, starry):
    response = alice_client.get(URL, {"photo": photo.pk, "theme": starry.slug})
    html = response.content.decode()
    assert f'value="{photo.pk}"' in html and "checked" in html
    assert f'value="{starry.slug}" data-thumb' in html and " selected" in html


def test_a_user_without_photos_is_asked_to_upload_one(alice_client, starry):
    assert "Upload a photo first" in alice_client.get(URL).content.decode()


def test_it_creates_a_job_with_two_themes(alice_client, alice, photo, starry, scream):
    response = _post(alice_client, photo, ("starry-night", 2), ("the-scream", 1), preserve_colors="on",
                     strength="2", optimizer="adam")
    job = Job.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:job-detail", args=[job.pk])
    assert [(jt.theme.slug, jt.weight) for jt in job.job_themes.all()] == [("starry-night", 2.0), ("the-scream", 1.0)]
    assert job.params["preserve_colors"] is True
    assert job.params["optimizer"] == "adam"
    assert job.params["style_weight"] == 2 * StyleParams().style_weight
    assert job.params["iterations"] == 20 and job.total == 20
    assert isinstance(job.params["seed"], int)


def test_it_shows_an_engine_error_next_to_the_field(alice_client, photo, starry):
    response = _post(alice_client, photo, ("starry-night", 1), iterations="-5")
    assert response.status_code == 400
    assert "must be an integer from 1" in _field_errors(response, "iterations")
    assert not Job.objects.exists()


def test_it_shows_an_error_for_an_advanced_field(alice_client, photo, starry):
    response = _post(alice_client, photo, ("starry-night", 1), beta1="2")
    assert response.status_code == 400
    assert "must be in [0, 1)" in _field_errors(response, "beta1")
    assert "<details class=\"advanced\" open" in response.content.decode()


def test_it_refuses_an_unknown_theme(alice_client, photo, starry):
    response = _post(alice_client, photo, ("la-muse", 1))
    assert response.status_code == 400
    assert "Choose one of the themes." in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize("weight", ["0", "-1"])
def test_it_refuses_a_weight_that_is_not_positive(alice_client, photo, starry, weight):
    response = _post(alice_client, photo, ("starry-night", weight))
    assert response.status_code == 400
    assert "weight must be a number greater than 0" in response.content.decode()
    assert not Job.objects.exists()


def test_it_refuses_the_same_theme_twice(alice_client, photo, starry):
    response = _post(alice_client, photo, ("starry-night", 1), ("starry-night", 1))
    assert response.status_code == 400
    assert "chosen twice" in response.content.decode()


def test_it_refuses_no_theme(alice_client, photo, starry):
    response = _post(alice_client, photo)
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_another_users_photo_is_not_selectable(alice_client, photo, bob_photo, starry):
    page = alice_client.get(URL).content.decode()
    assert reverse("gallery:photo-thumbnail", args=[bob_photo.pk]) not in page
    response = _post(alice_client, bob_photo, ("starry-night", 1))
    assert response.status_code == 400
    assert "Choose one of your photos." in response.content.decode()
    assert not Job.objects.exists()


def test_a_wrong_number_shows_a_field_error(alice_client, photo, starry):
    response = _post(alice_client, photo, ("starry-night", 1), size="big", scales="128,x")
    assert response.status_code == 400
    assert "Enter a whole number." in _field_errors(response, "size")
    assert "separated by commas" in _field_errors(response, "scales")


def test_a_path_cannot_be_given_as_the_init_image(alice_client, photo, starry):
    response = _post(alice_client, photo, ("starry-night", 1), init="/etc/passwd")
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_the_form_shows_the_chosen_themes_defaults(alice_client, photo, starry):
    starry.default_params = {"tv_weight": 5.0, "style_weight": 7.0}
    starry.save()
    form = alice_client.get(URL, {"theme": "starry-night"}).context["form"]
    assert form["tv_weight"].value() == 5.0 and form["style_weight"].value() == 7.0
    assert form["iterations"].value() == StyleParams().iterations  # the rest: the engine's


def test_the_engine_default_typed_in_the_form_is_what_the_job_gets(alice_client, alice, photo,
                                                                    starry):
    """The bug: tv_weight 10 (the engine's default) in the form gave the theme's 5, because the
    form dropped values equal to the engine's defaults."""
    starry.default_params = {"tv_weight": 5.0}
    starry.save()
    _post(alice_client, photo, ("starry-night", 1), tv_weight="10")
    assert Job.objects.get(owner=alice).params["tv_weight"] == 10.0


def test_what_the_form_shows_for_a_theme_is_what_the_job_gets(alice_client, alice, photo, starry):
    starry.default_params = {"tv_weight": 5.0}
    starry.save()
    shown = alice_client.get(URL, {"theme": "starry-night"}).context["form"]["tv_weight"].value()
    _post(alice_client, photo, ("starry-night", 1), tv_weight=str(shown))
    assert Job.objects.get(owner=alice).params["tv_weight"] == 5.0


def test_instant_is_refused_next_to_the_choice_when_a_theme_has_no_network(client, alice, photo,
                                                                          starry):
    client.force_login(alice)
    r = _post(client, photo, ("starry-night", 1), mode="instant")
    assert r.status_code == 400
    assert "no instant network yet" in _field_errors(r, "mode").replace("\n", "")
    assert not Job.objects.exists()


def test_the_form_offers_instant_first_and_marks_the_instant_themes(client, alice, photo, starry):
    Theme = type(starry)
    Theme.objects.filter(pk=starry.pk).update(network="themes/starry-night/net.pt")
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert re.search(r'<input[^>]*value="instant"[^>]*checked', html)
    assert 'value="starry-night" data-thumb="' in html and 'data-instant="1"' in html


# --- attacks (issue 11): each is a clear 4xx with nothing stored ----------------------------------

@pytest.fixture
def attacker(alice_client):
    alice_client.raise_request_exception = False  # a crash must show as the 500 a visitor gets
    return alice_client


@pytest.mark.parametrize("theme", ["<script>", "no such", "starry-night/../x", "Ünïcode"])
def test_a_theme_that_does_not_exist_in_the_link_is_a_400_that_says_so(attacker, photo, starry,
                                                                         theme):
    response = attacker.get(URL, {"theme": theme})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is no painting" in html and "<script>" not in html.split("<main")[-1].replace(
        "<script src", "")
    assert starry.title in html  # the form is still there to choose from


@pytest.mark.parametrize("theme", ["no such", "<script>", ""])
def test_a_posted_theme_that_does_not_exist_is_a_400_with_the_error_on_its_row(attacker, photo,
                                                                                starry, theme):
    response = _post(attacker, photo, (theme, 1.0))
    assert response.status_code == 400
    assert "Choose one of the themes." in response.content.decode() or theme == ""
    assert Job.objects.count() == 0


@pytest.mark.parametrize("fields", [
    {"strength": "1e308"}, {"strength": "inf"}, {"strength": "nan"}, {"strength": "11"},
    {"style_weight": "1e308"}, {"content_weight": "1e308"}, {"tv_weight": "1e308"},
    {"learning_rate": "1e308"}, {"style_layer_weight_exp": "1e308"},
])
def test_numbers_that_would_become_infinite_are_a_400(attacker, photo, starry, fields):
    response = _post(attacker, photo, ("starry-night", 1.0), **fields)
    assert response.status_code == 400
    assert Job.objects.count() == 0


def test_a_theme_weight_that_would_overflow_is_a_400(attacker, photo, starry, scream):
    response = _post(attacker, photo, ("starry-night", "1e308"), ("the-scream", "1e308"))
    assert response.status_code == 400 and Job.objects.count() == 0


def test_more_themes_than_the_site_allows_are_a_400(attacker, photo, starry, scream, settings):
    settings.STYLE_MAX_THEMES = 1
    response = _post(attacker, photo, ("starry-night", 1.0), ("the-scream", 1.0))
    assert response.status_code == 400
    assert "at most 1 theme for" in response.content.decode() and Job.objects.count() == 0


def test_a_size_the_photo_cannot_be_painted_at_is_refused_on_the_form(attacker, photo, starry):
    response = _post(attacker, photo, ("starry-night", 1.0), size="16")
    assert response.status_code == 400
    assert "the network needs at least 16 px" in _field_errors(response, "size")
    assert Job.objects.count() == 0


def test_a_full_queue_is_said_on_the_form(attacker, alice, photo, starry, settings):
    settings.STYLE_MAX_QUEUED_JOBS = 1
    assert _post(attacker, photo, ("starry-night", 1.0)).status_code == 302
    response = _post(attacker, photo, ("starry-night", 1.0))
    assert response.status_code == 400
    assert "1 painting waiting" in response.content.decode()
    assert Job.objects.count() == 1


# --- errors in sight (issue 14): a summary on top, each error linked to its field -----------------

def _summary(response) -> str:
    block = re.search(r"<div[^>]*data-error-summary.*?</ul>", response.content.decode(), re.S)
    return block.group(0) if block else ""


def _links(response) -> list[tuple[str, str]]:
    """(target id, text) of each link of the summary, in order."""
    return [(target, " ".join(re.sub(r"<[^>]+>", "", text).split()))
            for target, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', _summary(response),
                                           re.S)]


def test_every_error_is_summed_up_on_top_with_its_label_and_a_link_to_its_field(
        alice_client, photo, starry):
    response = _post(alice_client, photo, ("starry-night", 1), size="5000", iterations="5000",
                     beta1="2")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in _summary(response) and "There are 3 problems" in _summary(response)
    assert html.index("data-error-summary") < html.index('id="field-photo"')  # on top
    assert "novalidate on purpose" not in html  # the template's comment stays in the template
    assert _links(response) == [
        ("field-size", "Size: must be an integer from 16 to 1536"),
        ("field-iterations", "Iterations (at most): must be an integer from 1 to 1000"),
        ("field-beta1", "Adam beta1: must be in [0, 1)"),
    ]
    for target, _ in _links(response):
        assert html.count(f'id="{target}"') == 1
    assert "must be an integer from 16 to 1536" in _field_errors(response, "size")
    assert not Job.objects.exists()


def test_the_summary_follows_the_page_and_names_the_theme_row(alice_client, photo, starry):
    no_photo = SimpleNamespace(pk="")
    response = _post(alice_client, no_photo, ("starry-night", 1), ("la-muse", "heavy"),
                     size="big")
    assert _links(response) == [
        ("field-photo", "Photo: This field is required."),
        ("field-themes-1-theme", "Painting 2: Choose one of the themes."),
        ("field-themes-1-weight", "Painting 2, weight: Enter a number."),
        ("field-size", "Size: Enter a whole number."),
    ]
    html = response.content.decode()
    assert all(f'id="{target}"' in html for target, _ in _links(response))


def test_the_services_errors_of_the_theme_rows_link_to_the_rows(alice_client, photo, starry):
    response = _post(alice_client, photo, ("starry-night", 1), ("starry-night", 1))
    assert _links(response) == [
        ("field-themes", "The theme “The Starry Night” is chosen twice.")]
    assert 'id="field-themes"' in response.content.decode()


def test_the_advanced_section_opens_only_for_an_error_of_its_own(alice_client, photo, starry):
    closed = _post(alice_client, photo, ("starry-night", 1), size="5000")
    assert '<details class="advanced" data-full-only>' in closed.content.decode()
    opened = _post(alice_client, photo, ("starry-night", 1), tv_weight="-1")
    assert '<details class="advanced" open data-full-only>' in opened.content.decode()


def test_a_form_sent_back_keeps_everything_the_user_chose(alice_client, photo, starry, scream):
    drawing = "data:image/png;base64,iVBORw0KGgo="  # as the canvas sends it (regions.js)
    response = _post(alice_client, photo, ("starry-night", 2.5), ("the-scream", 0.5),
                     size="5000", strength="2.5", optimizer="adam", tv_weight="3.5",
                     scales="128,256", seed="42", preserve_colors="on", multi_scale="",
                     content_layers=["relu3_1"], style_layers=["relu1_1", "relu2_1"],
                     **{"themes-1-region": "background", "regions": drawing})
    form, formset = response.context["form"], response.context["formset"]
    html = response.content.decode()
    assert 'name="size" value="5000"' in html  # the wrong value too, to be corrected
    assert re.search(r'name="strength" value="2.5"', html)
    assert re.search(r'<option value="adam" selected>', html)
    assert 'name="tv_weight" value="3.5"' in html and 'name="seed" value="42"' in html
    assert 'name="scales" value="128,256"' in html
    assert re.search(r'name="preserve_colors"[^>]*checked', html)
    assert not re.search(r'name="multi_scale"[^>]*checked', html)
    checked = re.findall(r'name="(content|style)_layers" value="(\w+)"[^>]*checked', html)
    assert sorted(checked) == [("content", "relu3_1"), ("style", "relu1_1"), ("style", "relu2_1")]
    assert re.search(rf'value="{photo.pk}"[^>]*checked', html)
    assert re.search(r'<input type="radio" name="mode" value="full"[^>]*checked', html)
    assert [(row["theme"].value(), row["weight"].value(), row["region"].value())
            for row in formset] == [("starry-night", "2.5", None),
                                    ("the-scream", "0.5", "background")]
    assert f'name="regions" value="{drawing}"' in html
    assert form["regions"].value() == drawing


def test_the_number_fields_say_their_limits_and_the_browser_knows_them(alice_client, photo):
    from gallery.params import user_specs

    response = alice_client.get(URL)
    html = response.content.decode()
    for name, spec in user_specs().items():
        if spec.kind not in ("int", "float"):
            continue
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        if spec.minimum is not None:
            assert f'min="{spec.minimum:g}"' in tag, name
        if spec.maximum is not None and spec.maximum < 2**53:
            assert f'max="{spec.maximum:g}"' in tag, name
        assert escape(f"Must be {spec.rule}.") in _field_errors(response, name), name
    size = re.search(r'<input[^>]*name="size"[^>]*>', html).group(0)
    assert 'min="16"' in size and 'max="1536"' in size
    strength = re.search(r'<input[^>]*name="strength"[^>]*>', html).group(0)
    assert 'type="range"' in strength and 'min="0.1"' in strength and 'max="5"' in strength
    assert "from 0.1× to 5×" in html
