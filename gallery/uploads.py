"""What an upload may cost the web process: bytes while it streams, memory while it decodes.

- `LimitedUploadHandler` (first in FILE_UPLOAD_HANDLERS) refuses a request body over
  STYLE_UPLOAD_MAX_BYTES while it streams: at once from its Content-Length, else at the chunk
  that passes the limit. The rest passes by in small chunks, neither spooled to a temporary
  file nor held in memory; `refusal(request)` says why.
- `decode_budget(pixels)` holds the decodes running at once in this process to
  STYLE_DECODE_BUDGET_MB, each priced by its pixels (a 6300x6300 palette PNG of 38 KB becomes
  hundreds of MB as RGB): a decode waits for room, and the upload is refused if none comes.
"""
from __future__ import annotations

import contextlib
import threading
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

# Room for the form fields beside the file in a multipart body.
FORM_OVERHEAD = 64 * 1024
DISCARD_CHUNK = 64 * 1024
# Bytes a decode holds per pixel at its peak: the decoded frame (up to 4 bytes a pixel), its
# upright copy and its RGB conversion (bench/abuse.py measures a palette PNG at about 7).
BYTES_PER_PIXEL = 8
# A decode waits at most this long for room in the budget.
WAIT_SECONDS = 20.0


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def too_large_message(size: int | None = None) -> str:
    limit = settings.STYLE_UPLOAD_MAX_BYTES
    found = f": {_megabytes(size)}" if size else ""
    return f"The file is too large{found}; the limit is {_megabytes(limit)}."


def refusal(request) -> str | None:
    """Why LimitedUploadHandler refused this request's body, or None."""
    return getattr(request, "upload_refused", None)


class LimitedUploadHandler(FileUploadHandler):
    """Stops a multipart body over the upload limit while it streams (see the module)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length > settings.STYLE_UPLOAD_MAX_BYTES + FORM_OVERHEAD:
            self.request.upload_refused = too_large_message(content_length)
            # Claim the body as parsed, empty, and let it pass by in small chunks, kept nowhere:
            # a server that drains what the request left unread (runserver does) would read
            # the rest into memory at once.
            while input_data.read(DISCARD_CHUNK):
                pass
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.STYLE_UPLOAD_MAX_BYTES:
            self.request.upload_refused = too_large_message()
            raise StopUpload(connection_reset=False)  # Django lets the rest pass by in chunks
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers (memory, temporary file) build the file


class _Budget:
    """Bytes of decoding allowed at once in this process; one decode bigger than the whole
    budget may run alone."""

    def __init__(self):
        self.used = 0
        self.cond = threading.Condition()

    @contextlib.contextmanager
    def reserve(self, nbytes: int, *, limit: int, wait: float):
        deadline = time.monotonic() + wait
        with self.cond:
            while self.used and self.used + nbytes > limit:
                left = deadline - time.monotonic()
                if left <= 0 or not self.cond.wait(left):
                    if self.used and self.used + nbytes > limit:
                        raise ValidationError(
                            "The server is busy reading other large images: try again in a "
                            "minute.", code="busy")
            self.used += nbytes
        try:
            yield
        finally:
            with self.cond:
                self.used -= nbytes
                self.cond.notify_all()


_BUDGET = _Budget()


def decode_budget(pixels: int):
    """The reservation `engine.images.load_image(reserve=...)` takes around a decode."""
    return _BUDGET.reserve(pixels * BYTES_PER_PIXEL,
                           limit=settings.STYLE_DECODE_BUDGET_MB * 1024 * 1024,
                           wait=WAIT_SECONDS)
