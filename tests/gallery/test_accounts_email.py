"""Accounts by e-mail (issue 14): an optional address at sign-up and on the account page,
password reset by e-mail (same answer for any address, rate-limited), a word after log-out, and
the e-mail the worker sends when a full painting finishes (once, only to an owner who asked).

alice owns, bob is another user; mails go to Django's locmem outbox (`mailoutbox`)."""
import os
import re
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gallery import services
from gallery.forms import RESET_MAIL_THREAD
from gallery.models import Job, Profile
from helpers import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
RESET = reverse("password_reset")
ACCOUNT = reverse("gallery:account")
NEW_PASSWORD = "a-brand-new-long-password-8"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # the reset and sign-up rates count in the cache
    yield
    cache.clear()


@pytest.fixture
def alice_with_email(alice):
    alice.email = "alice@example.com"
    alice.save(update_fields=["email"])
    return alice


def _opt_in(user, email: str):
    services.account_update(user=user, email=email, email_when_finished=True)


def _finish(job, status=Job.Status.SUCCEEDED, **fields):
    Job.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(),
                                         elapsed=125.0, **fields)


# --- sign up -----------------------------------------------------------------------------------

def test_sign_up_keeps_the_e_mail_address_given(anon_client):
    response = anon_client.post(reverse("gallery:signup"), {
        "username": "carol", "email": "Carol@Example.COM", "password1": PASSWORD,
        "password2": PASSWORD})
    assert response.status_code == 302
    assert get_user_model().objects.get(username="carol").email == "Carol@example.com"


def test_sign_up_needs_no_e_mail_address(anon_client):
    page = anon_client.get(reverse("gallery:signup")).content.decode()
    assert 'name="email"' in page and "Optional." in page
    response = anon_client.post(reverse("gallery:signup"), {
        "username": "dave", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert get_user_model().objects.get(username="dave").email == ""


def test_sign_up_refuses_an_address_that_is_not_one(anon_client):
    response = anon_client.post(reverse("gallery:signup"), {
        "username": "erin", "email": "not-an-address", "password1": PASSWORD,
        "password2": PASSWORD})
    assert response.status_code == 200 and "valid email address" in response.content.decode()
    assert not get_user_model().objects.filter(username="erin").exists()


# --- log out and the reset link on the log-in page ---------------------------------------------

def test_log_out_says_so_on_the_page_it_leads_to(alice_client):
    response = alice_client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You are logged out" in response.content.decode()
    assert "_auth_user_id" not in alice_client.session


def test_the_log_in_page_links_the_password_reset(anon_client):
    assert f'href="{RESET}"' in anon_client.get(reverse("login")).content.decode()


# --- password reset ----------------------------------------------------------------------------

def _logs_in(username: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def _reset_mails_sent() -> None:
    """Waits for the reset mails on their way (forms.PasswordResetForm sends from a thread)."""
    for thread in threading.enumerate():
        if thread.name == RESET_MAIL_THREAD:
            thread.join(timeout=10)


def _reset_link(mail) -> str:
    return re.search(r"http://testserver(/accounts/reset/\S+/)", mail.body).group(1)


def test_the_link_in_the_reset_mail_sets_a_new_password(alice_with_email, mailoutbox):
    client = Client()
    response = client.post(RESET, {"email": "ALICE@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    _reset_mails_sent()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.com"] and "alice" in mail.body
    assert mail.subject == "Reset your password on Style Gallery"

    link = _reset_link(mail)
    form = client.get(link, follow=True)  # Django swaps the token for a session key
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                                    "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    assert _logs_in("alice", NEW_PASSWORD) and not _logs_in("alice", PASSWORD)
    used = Client().get(link, follow=True).content.decode()
    assert "This link has expired" in used  # a link works once


def test_an_unknown_address_gets_the_same_answer_and_no_mail(alice_with_email, bob, mailoutbox):
    known = Client().post(RESET, {"email": "alice@example.com"}, follow=True)
    unknown = Client().post(RESET, {"email": "nobody@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    Client().post(RESET, {"email": ""})
    _reset_mails_sent()
    assert len(mailoutbox) == 1  # alice's; bob has no address, nobody has no account


def test_the_answer_does_not_wait_for_the_mail(alice_with_email, mailoutbox, monkeypatch):
    # Or an address with an account would answer later than one without, by the mail's time.
    from django.core.mail import EmailMultiAlternatives

    release = threading.Event()
    send = EmailMultiAlternatives.send
    monkeypatch.setattr(EmailMultiAlternatives, "send",
                        lambda message, *a, **k: release.wait(10) and send(message, *a, **k))
    response = Client().post(RESET, {"email": "alice@example.com"})
    assert response.status_code == 302 and mailoutbox == []  # answered, the mail still going
    release.set()
    _reset_mails_sent()
    assert len(mailoutbox) == 1


def test_password_resets_are_rate_limited_per_client_and_per_address(alice_with_email, settings,
                                                                     mailoutbox):
    settings.STYLE_PASSWORD_RESET_RATE = "2/h"
    # One inbox is not flooded from many addresses...
    codes = [Client(REMOTE_ADDR=f"10.0.1.{i}").post(
        RESET, {"email": "alice@example.com"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    # ...nor are many e-mail addresses tried from one.
    client = Client(REMOTE_ADDR="10.0.0.5")
    codes = [client.post(RESET, {"email": f"guess{i}@example.com"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    refused = client.post(RESET, {"email": "guess9@example.com"})
    assert refused.status_code == 429 and "Too many password resets" in refused.content.decode()
    assert 'value="guess9@example.com"' in refused.content.decode()
    _reset_mails_sent()
    assert len(mailoutbox) == 2


# --- the account page --------------------------------------------------------------------------

def test_the_account_page_needs_a_log_in(anon_client):
    response = anon_client.get(ACCOUNT)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert anon_client.post(ACCOUNT, {"email": "x@example.com"}).status_code == 302


def test_the_user_menu_links_the_account_page(alice_client):
    assert f'href="{ACCOUNT}"' in alice_client.get(reverse("gallery:photos")).content.decode()


def test_the_account_page_changes_only_ones_own_account(alice_client, alice, bob):
    response = alice_client.post(ACCOUNT, {"email": "alice@example.com",
                                           "email_when_finished": "on", "password": PASSWORD,
                                           "user": bob.pk, "username": "bob"})
    assert response.status_code == 302 and response["Location"] == ACCOUNT
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.email == "alice@example.com" and alice.profile.email_when_finished
    assert bob.email == "" and not Profile.objects.filter(user=bob).exists()
    bobs_page = Client()
    bobs_page.force_login(bob)
    html = bobs_page.get(ACCOUNT).content.decode()
    assert "alice@example.com" not in html and "Signed in as <strong>bob</strong>" in html


def test_changing_the_e_mail_address_needs_the_password(alice_client, alice_with_email):
    for password in ("", "a-wrong-password"):
        response = alice_client.post(ACCOUNT, {"email": "mallory@example.com",
                                               "password": password})
        assert response.status_code == 200
        assert "Enter your current password" in response.content.decode()
    alice_with_email.refresh_from_db()
    assert alice_with_email.email == "alice@example.com"
    # The choice alone, the address as it was: no password needed.
    response = alice_client.post(ACCOUNT, {"email": "alice@example.com",
                                           "email_when_finished": "on"})
    assert response.status_code == 302
    assert Profile.objects.get(user=alice_with_email).email_when_finished


def test_the_finish_e_mail_needs_an_address(alice_client, alice):
    response = alice_client.post(ACCOUNT, {"email": "", "email_when_finished": "on"})
    assert response.status_code == 200
    assert "Add an e-mail address to be told by e-mail" in response.content.decode()
    assert not Profile.objects.filter(user=alice).exists()


# --- the e-mail when a painting finishes -------------------------------------------------------

def test_an_owner_who_asked_is_e_mailed_once_when_a_painting_succeeds(alice, job, mailoutbox,
                                                                       settings):
    settings.STYLE_SITE_URL = "https://art.example.com"
    _opt_in(alice, "alice@example.com")
    _finish(job)
    assert services.job_email_finished(job_id=job.pk)
    assert not services.job_email_finished(job_id=job.pk)  # the reaper, a repeated task
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.com"]
    assert mail.subject == "Your painting is ready: The Starry Night"
    assert f"https://art.example.com/jobs/{job.pk}/" in mail.body and "2 min" in mail.body
    assert "https://art.example.com/accounts/settings/" in mail.body


def test_a_failed_painting_is_e_mailed_with_its_reason(alice, job, mailoutbox):
    _opt_in(alice, "alice@example.com")
    _finish(job, Job.Status.FAILED, error="Out of memory: try a smaller size.")
    assert services.job_email_finished(job_id=job.pk)
    assert mailoutbox[0].subject == "Your painting failed: The Starry Night"
    assert "Out of memory: try a smaller size." in mailoutbox[0].body


def test_no_e_mail_without_the_choice_for_instant_paintings_or_before_the_end(alice, job,
                                                                             mailoutbox):
    alice.email = "alice@example.com"
    alice.save(update_fields=["email"])
    _finish(job)
    assert not services.job_email_finished(job_id=job.pk)  # alice did not ask
    _opt_in(alice, "alice@example.com")
    Job.objects.filter(pk=job.pk).update(mode=Job.Mode.INSTANT)
    assert not services.job_email_finished(job_id=job.pk)  # done before the page loaded
    Job.objects.filter(pk=job.pk).update(mode=Job.Mode.FULL, status=Job.Status.RUNNING)
    assert not services.job_email_finished(job_id=job.pk)
    _finish(job, Job.Status.CANCELLED)
    assert not services.job_email_finished(job_id=job.pk)  # who cancelled it knows
    assert mailoutbox == []


def test_another_user_who_asked_is_not_e_mailed_of_alices_painting(alice, bob, job, mailoutbox):
    _opt_in(bob, "bob@example.com")
    _finish(job)
    assert not services.job_email_finished(job_id=job.pk)
    _opt_in(alice, "alice@example.com")
    assert services.job_email_finished(job_id=job.pk)
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]


def _attempt_that_succeeds(job_id, attempt, pulse):
    Job.objects.filter(pk=job_id, attempts=attempt).update(status=Job.Status.SUCCEEDED,
                                                           finished_at=timezone.now())
    return "succeeded"


def test_the_worker_e_mails_when_it_finishes_a_painting(alice, job, mailoutbox, monkeypatch):
    from gallery.worker import runner

    _opt_in(alice, "alice@example.com")
    monkeypatch.setattr(runner, "_attempt", _attempt_that_succeeds)  # no engine under test
    assert runner.run_job(job.pk) == "succeeded"
    assert runner.run_job(job.pk) == "skipped"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["alice@example.com"]


def test_a_mail_that_cannot_be_sent_never_fails_the_painting(alice, job, mailoutbox,
                                                             monkeypatch, caplog):
    from gallery.worker import runner

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("the mail server is down")

    _opt_in(alice, "alice@example.com")
    monkeypatch.setattr(runner, "_attempt", _attempt_that_succeeds)
    monkeypatch.setattr(services, "send_mail", refuse)
    assert runner.run_job(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.finish_emailed_at is not None
    assert "could not be sent" in caplog.text


def test_the_reaper_e_mails_a_painting_it_gives_up(alice, job, mailoutbox, settings):
    from gallery.worker import reaper

    _opt_in(alice, "alice@example.com")
    long_ago = timezone.now() - timedelta(minutes=10)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=long_ago,
                                         attempts=settings.STYLE_MAX_ATTEMPTS)
    assert reaper.reap()["failed"] == 1
    assert len(mailoutbox) == 1 and "failed" in mailoutbox[0].subject


# --- settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("variable", "value", "said"), [
    ("DJANGO_EMAIL_BACKEND", "pigeon", "DJANGO_EMAIL_BACKEND must be one of file, console, smtp"),
    ("DJANGO_EMAIL_PORT", "70000", "DJANGO_EMAIL_PORT must be at most 65535, not 70000"),
    ("DJANGO_EMAIL_USE_TLS", "maybe", "DJANGO_EMAIL_USE_TLS must be true or false"),
    ("DJANGO_DEFAULT_FROM_EMAIL", "gallery", "DJANGO_DEFAULT_FROM_EMAIL must be an e-mail address"),
    ("STYLE_SITE_URL", "art.example.com", "STYLE_SITE_URL must be an http:// or https:// address"),
])
def test_a_wrong_e_mail_setting_stops_the_site_at_start_up(tmp_path, variable, value, said):
    env = {**os.environ, "STYLE_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "stylesite.settings", variable: value}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and said in result.stderr


def test_mail_is_written_into_the_data_folder_by_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_EMAIL")}
    env.update(STYLE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="stylesite.settings")
    code = ("import django; django.setup(); from django.core.mail import send_mail; "
            "send_mail('Hello', 'A body.', None, ['a@example.com'])")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=120)
    [mail] = (tmp_path / "mail").iterdir()
    text = mail.read_text()
    assert "Subject: Hello" in text and "From: Style Gallery <noreply@localhost>" in text
