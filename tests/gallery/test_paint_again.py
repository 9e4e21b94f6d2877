"""Paint again with tweaks: the form opens with every setting of a job, the new job keeps all of
them but what was changed, and records its parent; the API's rerun does the same."""
import pytest
from django import forms
from django.urls import reverse

from gallery import services
from gallery.models import Job

pytestmark = pytest.mark.django_db

NEW = reverse("gallery:job-new")


@pytest.fixture
def tuned_job(alice, photo, starry, scream):
    """A finished two-theme job with settings far from the defaults, its seed drawn."""
    job = services.job_create(
        owner=alice, photo=photo, themes=[(starry, 2.0), (scream, 1.0)], style_strength=1.5,
        params={"size": 384, "iterations": 40, "tv_weight": 3.0, "optimizer": "adam",
                "style_layers": ["relu1_1", "relu3_1"], "scales": [96, 192], "init": "noise",
                "preserve_colors": True, "learning_rate": 0.05})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    job.refresh_from_db()
    return job


def _as_the_browser_sends(response) -> dict:
    """The form a GET rendered, submitted untouched: each field's shown value."""
    form, formset = response.context["form"], response.context["formset"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = list(value)
        elif value is not None:
            data[name] = str(value)
    data.update({f"themes-{k}": v for k, v in
                 {"TOTAL_FORMS": len(formset.forms), "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 1,
                  "MAX_NUM_FORMS": 5}.items()})
    for i, row in enumerate(formset.forms):
        data[f"themes-{i}-theme"] = row["theme"].value()
        data[f"themes-{i}-weight"] = str(row["weight"].value())
    return data


def test_the_form_opens_with_every_setting_of_the_job(alice_client, tuned_job):
    response = alice_client.get(NEW, {"again": tuned_job.pk})
    assert response.status_code == 200
    form, formset = response.context["form"], response.context["formset"]
    for name in form.param_names:
        shown, recorded = form[name].value(), tuned_job.params[name]
        if name == "scales":
            shown = [int(x) for x in shown.split(",")]
        assert list(shown) == list(recorded) if isinstance(recorded, list) else shown == recorded, name
    assert form["seed"].value() == tuned_job.params["seed"]
    assert form["style_weight"].value() == 14.0 * 1.5  # the strength is in the style weight
    assert [(r["theme"].value(), r["weight"].value()) for r in formset.forms] == [
        ("starry-night", 2.0), ("the-scream", 1.0)]
    assert form["photo"].value() == tuned_job.photo_id and form["parent"].value() == tuned_job.pk
    assert f"job {tuned_job.pk}</a> again" in response.content.decode()


def test_a_tweak_changes_that_parameter_only_and_records_the_parent(alice_client, tuned_job):
    data = _as_the_browser_sends(alice_client.get(NEW, {"again": tuned_job.pk}))
    data["tv_weight"] = "8"
    response = alice_client.post(NEW, data)
    assert response.status_code == 302, [response.context["form"].errors, response.context["formset"].errors, response.context["formset"].non_form_errors()]
    new = Job.objects.exclude(pk=tuned_job.pk).get()
    assert new.parent == tuned_job
    changed = {k for k in tuned_job.params if new.params[k] != tuned_job.params[k]}
    assert changed == {"tv_weight"} and new.params["tv_weight"] == 8.0
    assert [(jt.theme.slug, jt.weight) for jt in new.job_themes.all()] == [
        ("starry-night", 2.0), ("the-scream", 1.0)]


def test_the_job_page_links_the_family(alice_client, tuned_job):
    child = services.job_rerun(job=tuned_job, changes={"seed": 7})
    page = alice_client.get(reverse("gallery:job-detail", args=[tuned_job.pk])).content.decode()
    assert f'?again={tuned_job.pk}' in page and "Paint again" in page
    assert f'href="/jobs/{child.pk}/">job {child.pk}</a>' in page
    page = alice_client.get(reverse("gallery:job-detail", args=[child.pk])).content.decode()
    assert f'Painted again from <a href="/jobs/{tuned_job.pk}/">job {tuned_job.pk}</a>' in page


def test_another_users_job_cannot_be_painted_again_or_named_as_parent(bob_client, bob, bob_photo,
                                                                      tuned_job, starry):
    assert bob_client.get(NEW, {"again": tuned_job.pk}).status_code == 404
    data = {"photo": bob_photo.pk, "mode": "full", "strength": "1", "size": "64",
            "iterations": "10", "parent": tuned_job.pk, "themes-TOTAL_FORMS": "1",
            "themes-INITIAL_FORMS": "0", "themes-0-theme": "starry-night", "themes-0-weight": "1"}
    assert bob_client.post(NEW, data).status_code == 400
    assert not Job.objects.filter(owner=bob).exists()
    with pytest.raises(Exception, match="Choose one of your jobs"):
        services.job_create(owner=bob, photo=bob_photo, themes=[(starry, 1.0)], params={},
                            parent=tuned_job)
