"""Errors in sight, in a real browser (issue 14): a new painting with a wrong size (a main field)
and a wrong Adam beta1 (in "Advanced") comes back with a summary on top, focused, whose links
open the section and focus the field; everything the person chose is still there, the regions
drawing included. The limits are said before they are hit. The sign-up form shares the summary.
Screenshots at desktop and phone width go to test-output/e2e/form-errors-*.png."""
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gallery import services
from browser_helpers import DESKTOP, PHONE, painted_share, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"


@pytest.fixture
def fay(django_user_model):
    return django_user_model.objects.create_user("fay", password="a-long-test-password-42")


@pytest.fixture
def fays_photo(fay):
    buf = io.BytesIO()
    Image.new("RGB", (480, 320), (90, 140, 200)).save(buf, format="JPEG")
    return services.photo_create(owner=fay, upload=SimpleUploadedFile(
        "lake.jpg", buf.getvalue(), content_type="image/jpeg"))


def _in_view(page, selector: str) -> bool:
    """Whether the element is wholly inside the window, below the sticky top bar."""
    return page.eval_on_selector(selector, """el => {
        const r = el.getBoundingClientRect();
        const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;
        return r.width > 0 && r.top >= bar - 1 && r.bottom <= window.innerHeight + 1;
    }""")


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.className")


def _choose_everything(page):
    """A value of each kind, different from what the page first showed."""
    page.click("[data-add-theme]")
    page.select_option("#id_themes-1-theme", "the-scream")
    page.fill("#id_themes-1-weight", "0.5")
    page.check("[data-regions-toggle]")
    page.wait_for_function("() => document.querySelector('[data-regions-canvas]').width === 480")
    box = page.locator("[data-regions-canvas]").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=20)
    page.mouse.up()
    page.select_option("#id_themes-1-region", "background")
    page.locator("#id_strength").evaluate(
        "r => { r.value = 2.5; r.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.check("input[name=preserve_colors]")
    page.fill("#id_size", "5000")
    page.locator("details.advanced summary").click()
    page.fill("#id_beta1", "2")
    page.fill("#id_tv_weight", "3.5")
    page.uncheck("input[name=multi_scale]")
    page.uncheck("input[name=style_layers][value=relu5_1]")
    page.select_option("#id_optimizer", "adam")
    page.locator("details.advanced summary").click()  # closed again, as a person leaves it


def _assert_kept(page, painted: float):
    assert page.input_value("#id_size") == "5000" and page.input_value("#id_beta1") == "2"
    assert page.input_value("#id_tv_weight") == "3.5"
    assert page.input_value("#id_optimizer") == "adam"
    assert page.is_checked("input[name=preserve_colors]")
    assert not page.is_checked("input[name=multi_scale]")
    assert not page.is_checked("input[name=style_layers][value=relu5_1]")
    assert page.is_checked("input[name=style_layers][value=relu1_1]")
    assert page.input_value("#id_strength") == "2.5"
    assert page.locator("[data-range-output]").inner_text() == "2.5×"
    assert page.is_checked("input[name=mode][value=full]")
    assert page.input_value("#id_themes-0-theme") == "starry-night"
    assert page.input_value("#id_themes-1-theme") == "the-scream"
    assert page.input_value("#id_themes-1-weight") == "0.5"
    assert page.input_value("#id_themes-1-region") == "background"
    assert page.is_checked("[data-regions-toggle]")
    page.wait_for_function("() => document.querySelector('[data-regions-canvas]').width === 480")
    page.wait_for_function("() => document.querySelector('input[name=regions]').value.length > 100")
    assert abs(painted_share(page) - painted) < 0.02


def _follow(page, link_text: str, field: str):
    page.locator("[data-error-summary] a", has_text=link_text).click()
    page.wait_for_function(f"() => document.activeElement.id === '{field}'")
    assert _in_view(page, f"#{field}")


def test_a_wrong_value_comes_back_with_a_summary_on_top_that_leads_to_the_field(
        page, live_server, installed_themes, fay, fays_photo, screenshot, no_outside_requests):
    sign_in(page, live_server, fay)
    page.goto(f"{live_server.url}/jobs/new/?theme=starry-night")
    page.check("input[name=mode][value=full]")

    # The limits before they are hit: the help says them, the browser knows them and marks a
    # value outside them as it is typed.
    size = page.locator("#id_size")
    assert (size.get_attribute("min"), size.get_attribute("max")) == ("16", "1536")
    assert "Must be an integer from 16 to 1536." in page.locator("#field-size .help").inner_text()
    assert "from 0.1× to 5×" in page.locator("#field-strength .help").inner_text()
    assert (page.get_attribute("#id_strength", "min"), page.get_attribute("#id_strength", "max")) \
        == ("0.1", "5")
    _choose_everything(page)
    painted = painted_share(page)
    assert painted > 0.02
    assert size.evaluate("el => el.validity.rangeOverflow && el.matches(':user-invalid')")
    assert page.locator("#field-size .help").evaluate("el => getComputedStyle(el).color") \
        == "rgb(214, 64, 69)"  # --danger
    page.locator("#field-size").screenshot(path=str(_output("form-errors-0-size-typed.png")))

    page.click("button:has-text('Start painting')")
    page.wait_for_selector("[data-error-summary]")
    summary = page.locator("[data-error-summary]")
    assert summary.get_attribute("role") == "alert"
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    assert _in_view(page, "[data-error-summary]")
    text = summary.inner_text()
    assert "There are 2 problems" in text
    assert "Size: must be an integer from 16 to 1536" in text
    assert "Adam beta1: must be in [0, 1)" in text
    _assert_kept(page, painted)
    screenshot("form-errors-1-summary")
    page.set_viewport_size(PHONE)
    screenshot("form-errors-2-summary-phone")
    page.set_viewport_size(DESKTOP)

    # The link opens "Advanced" (closed again here) and focuses the field, in view.
    page.evaluate("() => { document.querySelector('details.advanced').open = false; }")
    _follow(page, "Adam beta1", "id_beta1")
    assert page.locator("details.advanced").evaluate("d => d.open")
    page.screenshot(path=str(_output("form-errors-3-followed-beta1.png")))
    _follow(page, "Size", "id_size")
    page.screenshot(path=str(_output("form-errors-4-followed-size.png")))

    # At phone width: sent again as it is, the same summary, focused and in view.
    page.set_viewport_size(PHONE)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.click("button:has-text('Start painting')")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    assert _in_view(page, "[data-error-summary]")
    page.screenshot(path=str(_output("form-errors-5-summary-phone-view.png")))
    _follow(page, "Adam beta1", "id_beta1")
    page.screenshot(path=str(_output("form-errors-6-followed-beta1-phone.png")))
    _assert_kept(page, painted)


def test_a_wrong_value_typed_before_choosing_instant_stays_in_sight(
        page, live_server, installed_themes, fay, fays_photo, no_outside_requests):
    """Iterations mean nothing to an instant painting, so the field hides; one with an error
    shows, as the summary links to it."""
    sign_in(page, live_server, fay)
    page.goto(f"{live_server.url}/jobs/new/?theme=starry-night")
    page.check("input[name=mode][value=full]")
    page.fill("#id_iterations", "0")
    page.check("input[name=mode][value=instant]")
    assert page.locator("#field-iterations").is_hidden()
    page.click("button:has-text('Start painting')")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    assert page.is_checked("input[name=mode][value=instant]")
    _follow(page, "Iterations (at most)", "id_iterations")
    assert page.locator("#field-strength").is_hidden()  # no error: hidden as before


def test_the_sign_up_form_sums_up_its_errors_the_same_way(page, live_server, fay, screenshot,
                                                          no_outside_requests):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("#id_username", "fay")
    page.fill("#id_password1", "a-long-test-password-42")
    page.fill("#id_password2", "another-long-password-43")
    page.click("button:has-text('Sign up')")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    text = page.locator("[data-error-summary]").inner_text()
    assert "Username: A user with that username already exists." in text
    assert "Password confirmation:" in text
    assert page.input_value("#id_username") == "fay"
    screenshot("form-errors-7-signup")
    page.set_viewport_size(PHONE)
    screenshot("form-errors-8-signup-phone")
    _follow(page, "Password confirmation", "id_password2")

    # An error of the whole form (a wrong password): said on top too, with nothing to link to.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "fay")
    page.fill("#id_password", "not-her-password")
    page.click("button:has-text('Log in')")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    assert "correct username and password" in page.locator("[data-error-summary]").inner_text()
    assert page.locator("[data-error-summary] a").count() == 0
    screenshot("form-errors-9-login-phone")
    page.set_viewport_size(DESKTOP)
    screenshot("form-errors-10-login")


def _output(name: str) -> Path:
    """Where a screenshot of part of the page goes (the `screenshot` fixture's folder)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT / name
