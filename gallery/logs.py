"""Logging filters. The web server's request log (runserver's django.server logger) would write a
line for every poll of every open job page, every second or two; `QuietPolls` leaves out the
polls that went well, and keeps every error and every other request."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

# What the site's pages ask for again and again while one is open (static/js/).
POLLS = frozenset({
    "gallery:job-progress",  # the job page (job.js)
    "gallery:job-cards",  # My gallery's live cards (gallery.js)
    "gallery:job-estimate",  # the new-painting form's estimate, as its fields change (job_form.js)
    "gallery:training-progress",  # a training run's page
})


class QuietPolls(logging.Filter):
    """Drops a request-log record of a poll (POLLS) answered below 400."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) >= 400:
            return True
        try:  # the record's first argument is the request line: "GET /jobs/3/progress/ HTTP/1.1"
            path = urlsplit(record.args[0].split()[1]).path
            return resolve(path).view_name not in POLLS
        except (AttributeError, IndexError, KeyError, TypeError, Resolver404):
            return True  # not a request line: keep it
