"""Settings for the style gallery. Every value can come from the environment, with safe defaults.

See the "Configuration" table in the README for the variables.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from engine.params import BACKBONES, is_device

from .env import (
    envbool, envchoice, envfile, envint, envlist, envstr, envvalue, envvalues, is_mail_address,
    is_site_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("STYLE_DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, or a key generated once and kept (mode 600) in the data folder."""
    key = envstr("DJANGO_SECRET_KEY", "")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "gallery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out log-in
]

ROOT_URLCONF = "stylesite.urls"
WSGI_APPLICATION = "stylesite.wsgi.application"
ASGI_APPLICATION = "stylesite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is shared by the web server and the worker: WAL lets readers run beside the writer, the
# busy timeout waits instead of failing, and IMMEDIATE transactions take the write lock up front so
# a read-then-write transaction never dies with "database is locked".
_SQLITE_OPTIONS = {
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", "") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}", conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = _SQLITE_OPTIONS
    # A file (not :memory:) so that a real worker process in the tests can share it; one per
    # test run so that runs side by side do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Log-in lockout (django-axes): after STYLE_LOGIN_FAILURES wrong passwords for one username from
# one address, that pair is refused for STYLE_LOGIN_LOCKOUT_MINUTES (pages: 429 with a page; API
# token: 429), however right the next password is. Sign-ups: STYLE_SIGNUP_RATE per address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("STYLE_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("STYLE_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
STYLE_SIGNUP_RATE = envstr("STYLE_SIGNUP_RATE", "10/h")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "gallery:home"
LOGOUT_REDIRECT_URL = "login"
# Password resets by e-mail: at most STYLE_PASSWORD_RESET_RATE requests per client address and
# per e-mail address asked for (django-ratelimit); a link works once, for an hour.
STYLE_PASSWORD_RESET_RATE = envstr("STYLE_PASSWORD_RESET_RATE", "5/h")
PASSWORD_RESET_TIMEOUT = 3600

# E-mail: password resets and "your painting is finished" notices. By default every mail is
# written as a file into <data>/mail and nothing leaves the machine; DJANGO_EMAIL_BACKEND=console
# prints them instead; DJANGO_EMAIL_HOST sends them by SMTP.
_EMAIL_BACKENDS = {
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_EMAIL_HOST = envstr("DJANGO_EMAIL_HOST", "").strip()
EMAIL_BACKEND = _EMAIL_BACKENDS[envchoice("DJANGO_EMAIL_BACKEND", "smtp" if _EMAIL_HOST else "file",
                                          _EMAIL_BACKENDS)]
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = _EMAIL_HOST or "localhost"
EMAIL_PORT = envint("DJANGO_EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = envstr("DJANGO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = envstr("DJANGO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = envbool("DJANGO_EMAIL_USE_TLS", True)  # STARTTLS, as on the submission port 587
EMAIL_TIMEOUT = 10  # seconds: a mail server that hangs holds neither a page nor a worker for long
DEFAULT_FROM_EMAIL = envvalue("DJANGO_DEFAULT_FROM_EMAIL", "Style Gallery <noreply@localhost>",
                              valid=is_mail_address,
                              expected="an e-mail address, bare or as Name <address>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address as its users reach it: the links in mails the worker sends (it has no
# request to take the address from).
STYLE_SITE_URL = envvalue("STYLE_SITE_URL", "http://localhost:8000", valid=is_site_url,
                          expected="an http:// or https:// address").rstrip("/")

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("TZ", "UTC")
USE_I18N = True
USE_TZ = True

# Static files are served by whitenoise; every asset lives in the repo (no CDN).
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from static/ when collectstatic has not run
STORAGES = {
    # Media go through Django's storage API only: another backend (a shared or object store)
    # is a setting. The hourly clean-up walks STYLE_MEDIA_DIR, so it serves the file system.
    "default": {"BACKEND": envstr("STYLE_MEDIA_STORAGE",
                                  "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Media: photos, snapshots and results are private and served only through views that check the
# owner; there is deliberately no public MEDIA_URL route.
# On several machines, a folder all of them share (NFS, a mounted volume): STYLE_MEDIA_DIR.
MEDIA_ROOT = Path(envstr("STYLE_MEDIA_DIR", str(DATA_DIR / "media"))).resolve()
MEDIA_URL = "/media/"

# Uploads: limits in bytes and pixels, checked before anything is written.
STYLE_UPLOAD_MAX_BYTES = envint("STYLE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
STYLE_UPLOAD_MAX_PIXELS = envint("STYLE_UPLOAD_MAX_PIXELS", 40_000_000, minimum=4096)
STYLE_PHOTO_MAX_SIDE = envint("STYLE_PHOTO_MAX_SIDE", 2048, minimum=64)
DATA_UPLOAD_MAX_MEMORY_SIZE = STYLE_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An upload over the limit is refused while it streams (gallery/uploads.py); a bigger one that
# passes is spooled here, where the hourly clean-up (gallery/cleanup.py) finds what a killed
# server left behind.
FILE_UPLOAD_HANDLERS = [
    "gallery.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "tmp"
FILE_UPLOAD_TEMP_DIR.mkdir(exist_ok=True)
# Memory the web process may spend decoding uploads at once (gallery/uploads.py).
STYLE_DECODE_BUDGET_MB = envint("STYLE_DECODE_BUDGET_MB", 512, minimum=16)

# Engine: which backbone and weights the worker uses.
# Checked here, so a wrong value stops the web server and the worker as they start.
STYLE_WEIGHTS = envfile("STYLE_WEIGHTS")
STYLE_BACKBONE = envchoice("STYLE_BACKBONE", "vgg19", BACKBONES)
_DEVICE = "auto, cpu, cuda or cuda:N"
STYLE_DEVICE = envvalue("STYLE_DEVICE", "auto", valid=is_device, expected=_DEVICE)
# Several GPUs on one machine: each worker process takes one of these (gallery/worker/devices.py),
# e.g. "cuda:0,cuda:1" with STYLE_WORKERS=2; empty: every worker uses STYLE_DEVICE.
STYLE_DEVICES = envvalues("STYLE_DEVICES", "", valid=is_device, expected=f"a list of {_DEVICE}")

# HTTPS deployments: DJANGO_HTTPS=true turns on secure cookies, HSTS and the redirect.
_HTTPS = envbool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = _HTTPS
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
_BEHIND_PROXY = envbool("DJANGO_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _BEHIND_PROXY else None
if _BEHIND_PROXY:  # the log-in lockout keys on the client's address, which the proxy forwards
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = 1
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_polls": {"()": "gallery.logs.QuietPolls"}},
    # runserver's request log, as Django's default, without a line for each poll of an open
    # page that went well (gallery/logs.py); errors and every other request are kept.
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter",
                                     "format": "[{server_time}] {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "loggers": {"django.server": {"handlers": ["django.server"], "filters": ["quiet_polls"],
                                  "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": envstr("DJANGO_LOG_LEVEL", "INFO")},
}

# The worker: django-q2 with the Django ORM as broker (nothing else to start) or Redis when
# REDIS_URL is set. A style job runs for minutes: `retry` must exceed `timeout` or the broker hands
# the task out again while it still runs. One worker per GPU (or one on a CPU: torch uses every core).
# STYLE_JOB_TIMEOUT is a painting's time limit: the worker stops it there with a message for its
# owner, and django-q kills a task 5 minutes later as the last resort.
STYLE_JOB_TIMEOUT = envint("STYLE_JOB_TIMEOUT", 2 * 3600, minimum=60)
Q_CLUSTER = {
    "name": "stylegallery",
    "workers": envint("STYLE_WORKERS", 1, minimum=1),
    "timeout": STYLE_JOB_TIMEOUT + 300,
    "retry": STYLE_JOB_TIMEOUT + 900,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 250,
    "label": "Worker",
    # The instant lane: a second cluster (`Q_CLUSTER_NAME=instant manage.py qcluster`) with its
    # own queue, so an instant painting (about a second) never waits behind a full one.
    "ALT_CLUSTERS": {
        "instant": {
            "workers": envint("STYLE_INSTANT_WORKERS", 1, minimum=1),
            "timeout": 300,
            "retry": 900,
        },
    },
}
if envstr("REDIS_URL", ""):
    Q_CLUSTER["redis"] = envstr("REDIS_URL", "")
else:
    Q_CLUSTER["orm"] = "default"
# Crash recovery (gallery/worker/reaper.py): a running job without a heartbeat (beaten every 4 s
# from a thread of its worker, gallery/worker/heartbeat.py) for STYLE_STALE_SECONDS lost its
# worker; it is resumed from its last snapshot, or marked failed once it has been claimed
# STYLE_MAX_ATTEMPTS times.
STYLE_STALE_SECONDS = envint("STYLE_STALE_SECONDS", 20, minimum=10)
STYLE_MAX_ATTEMPTS = envint("STYLE_MAX_ATTEMPTS", 3, minimum=1)
# Memory a painting may use on a worker, in MB; 0: whatever its device has free when the job
# starts. A size whose estimated peak (engine/memory.py) does not fit is refused before it runs.
STYLE_WORKER_MEMORY_MB = envint("STYLE_WORKER_MEMORY_MB", 0, minimum=0)
# What one job and one user may ask of the workers (gallery/limits.py): the same for the form,
# "try again" and the API.
STYLE_MAX_SIZE = envint("STYLE_MAX_SIZE", 1536, minimum=64)  # px, long side of a painting
STYLE_MAX_ITERATIONS = envint("STYLE_MAX_ITERATIONS", 1000, minimum=1)
STYLE_MAX_SNAPSHOTS = envint("STYLE_MAX_SNAPSHOTS", 100, minimum=0)  # kept per job
STYLE_MAX_THEMES = envint("STYLE_MAX_THEMES", 5, minimum=1)  # blended in one job
STYLE_MAX_QUEUED_JOBS = envint("STYLE_MAX_QUEUED_JOBS", 10, minimum=1)  # per user, waiting
STYLE_MAX_RUNNING_JOBS = envint("STYLE_MAX_RUNNING_JOBS", 1, minimum=1)  # per user, at once
# Instant networks: the folder of photographs a theme's network is trained on (staff start the
# training from the admin or the API; see gallery/themes/networks/README.md for a training set).
STYLE_TRAINING_PHOTOS = Path(envstr("STYLE_TRAINING_PHOTOS", str(DATA_DIR / "training-photos")))

# The REST API (/api/v1/): token first so an anonymous request gets 401 with WWW-Authenticate
# (session-only would answer 403); the browser's session works too (with CSRF). Throttle rates are
# per user (per IP for anonymous requests), counted in the default cache: per process with the
# default local-memory cache, so several web processes need a shared cache for exact limits.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "gallery.api.pagination.PageNumberPagination",
    "PAGE_SIZE": envint("STYLE_API_PAGE_SIZE", 20, minimum=1),
    "DEFAULT_THROTTLE_CLASSES": [
        "gallery.api.throttling.UserRateThrottle",
        "gallery.api.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": envstr("STYLE_API_RATE", "120/min"),
        "anon": envstr("STYLE_API_ANON_RATE", "30/min"),
        "job_create": envstr("STYLE_API_JOB_RATE", "30/hour"),
    },
    "DEFAULT_PARSER_CLASSES": [
        "gallery.api.parsers.JSONParser",  # a body nested too deeply is a 400, not a crash
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "gallery.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The OpenAPI schema (/api/v1/schema/) and its docs (/api/v1/docs/, /api/v1/redoc/), with Swagger UI
# and ReDoc served from drf-spectacular-sidecar's static files: no CDN.
_SYSTEM_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
SPECTACULAR_SETTINGS = {
    "TITLE": "Style gallery API",
    "DESCRIPTION": (
        "Upload photos, turn them into paintings in the style of a theme, follow the jobs and "
        "download the results. Authenticate with `Authorization: Token <key>` (POST /api/v1/auth/token/) "
        "or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Separate request and response components: an upload is binary going in and a URL coming out.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Nothing from another host (templates/drf_spectacular/ drops ReDoc's Google Fonts): the
    # system's fonts, as site.css, and no badge from Swagger's online validator.
    "REDOC_UI_SETTINGS": {"theme": {"typography": {
        "fontFamily": _SYSTEM_FONT, "headings": {"fontFamily": _SYSTEM_FONT},
        "code": {"fontFamily": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"},
    }}},
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {"JobStatusEnum": "gallery.models.Job.Status"},
}
