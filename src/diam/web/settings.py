"""Django settings: one file, every value from the environment through small typed helpers.

Development defaults work with no set-up (SQLite in ./data, console e-mail). Production:
DIAM_DEBUG=0, a real DIAM_SECRET_KEY, DIAM_ALLOWED_HOSTS, and usually DATABASE_URL; the
settings refuse to start with the development secret when DEBUG is off. See .env.example.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from diam.web.security.proxies import parse_trusted_proxies

BASE_DIR = Path(__file__).resolve().parents[3]


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused in production

DEBUG = env_bool("DIAM_DEBUG", False)
SECRET_KEY = env_str("DIAM_SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY and not env_bool("DIAM_ALLOW_DEV_SECRET", False):
    raise ImproperlyConfigured(
        "DIAM_SECRET_KEY is the development default while DIAM_DEBUG is off. Set a long random "
        "DIAM_SECRET_KEY (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("DIAM_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated);
# empty: the direct peer is the client. One function reads it: diam.web.security.proxies.
DIAM_TRUSTED_PROXIES = env_list("DIAM_TRUSTED_PROXIES", "")
parse_trusted_proxies(DIAM_TRUSTED_PROXIES)  # a mistyped entry stops the start, named
CSRF_TRUSTED_ORIGINS = env_list("DIAM_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("DIAM_SITE_URL", "http://127.0.0.1:8000")

DATA_DIR = Path(env_str("DIAM_DATA_DIR", str(BASE_DIR / "data")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_countries",
    "diam.web.core",
    "diam.web.accounts",
    "diam.web.assessments",
    "diam.web.reports",
    "diam.web.benchmarks",
    "diam.web.audit",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs' assets from static files (no CDN)
    "diam.web.exchange",
    "diam.web.api",
    "diam.web.validation",
    "diam.web.verification",
    "diam.web.programme",  # the programme admins' console
    "axes",  # sign-in throttling and lock-out (diam.web.security)
    "django_otp",  # two-factor: TOTP devices and recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "diam.web.security",
]

MIDDLEWARE = [
    # First: X-Forwarded-* headers from a peer that is not a trusted proxy are dropped before
    # anything reads them (SECURE_PROXY_SSL_HEADER below would believe them from anyone).
    "diam.web.security.middleware.ForwardedHeadersMiddleware",
    "diam.web.security.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "diam.web.security.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "diam.web.urls"
WSGI_APPLICATION = "diam.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "diam.web.core.context.site",
            ],
        },
    },
]

# Django's form renderer with a few of its templates rewritten for speed (diam.web.core.forms).
FORM_RENDERER = "diam.web.core.forms.FormRenderer"

_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    _prepared = env_bool("DIAM_PG_PREPARED_STATEMENTS", False)
    if _prepared and "postgresql" in DATABASES["default"]["ENGINE"]:
        # Server-side binding lets psycopg prepare a statement the fifth time it runs, so
        # PostgreSQL stops parsing and planning the same few queries: half its CPU per answer
        # autosave (docs/configuration.md). Off by default: Django binds client-side because a
        # few ORM expressions cannot be sent as typed parameters, and a transaction-pooling
        # PgBouncer older than 1.21 cannot keep prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "diam.sqlite3",
            # Keep the connection: closing the last connection to a WAL database checkpoints
            # and deletes the WAL (with fsyncs), which cost ~9 ms per request, more than the
            # request itself; reopening also re-runs init_command.
            "CONN_MAX_AGE": 600,
            # WAL lets readers work while one writer saves answers; IMMEDIATE avoids
            # "database is locked" upgrades from read to write inside transactions.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out client before a check
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("DIAM_TIME_ZONE", "UTC")
USE_I18N = True
# Country names as people say them. django-countries already uses common names (United Kingdom,
# South Korea); these are the ISO 3166 forms it leaves that read oddly in a list (issue 15).
COUNTRIES_OVERRIDE = {
    "BS": _("Bahamas"),
    "FK": _("Falkland Islands"),
    "MF": _("Saint Martin"),
    "NR": _("Nauru"),
    "SX": _("Sint Maarten"),
    "US": _("United States"),
    "VG": _("British Virgin Islands"),
    "VI": _("U.S. Virgin Islands"),
}
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [Path(__file__).parent / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Evidence files are private: stored outside any served URL and streamed through an access
# check (diam.web.assessments.views.evidence_download), never by the static/media server.
MEDIA_ROOT = DATA_DIR / "evidence"

EVIDENCE_MAX_BYTES = env_int("DIAM_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Imports (answers file, bundle, workbook, FHIR) larger than this are refused unread.
DIAM_IMPORT_MAX_BYTES = env_int("DIAM_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# JSON API: requests per minute per token (429 with Retry-After beyond), and the longest
# lifetime a personal API token may be given.
DIAM_API_RATE_PER_MINUTE = env_int("DIAM_API_RATE_PER_MINUTE", 120)
# Requests without a token (models, registry, the OpenAPI document, refused tokens) per minute
# per client address (an IPv6 /64), as seen through DIAM_TRUSTED_PROXIES; 0 turns it off.
DIAM_API_PUBLIC_RATE_PER_MINUTE = env_int("DIAM_API_PUBLIC_RATE_PER_MINUTE", 60)
DIAM_API_TOKEN_MAX_DAYS = env_int("DIAM_API_TOKEN_MAX_DAYS", 365)

# Benchmarks never show a figure computed from fewer than this many organisations.
DIAM_BENCHMARK_K = env_int("DIAM_BENCHMARK_K", 5)
# Benchmark releases (docs/benchmarks.md §4): a new one is cut by the first request after it
# is due ("month", "week", "quarter" or "never"), by `diam benchmarks release`, or by a
# programme admin; each is checked against this many earlier ones.
DIAM_BENCHMARK_RELEASE_EVERY = env_str("DIAM_BENCHMARK_RELEASE_EVERY", "month")
if DIAM_BENCHMARK_RELEASE_EVERY not in {"month", "week", "quarter", "never"}:
    raise ImproperlyConfigured(
        "DIAM_BENCHMARK_RELEASE_EVERY must be month, week, quarter or never, got "
        f"{DIAM_BENCHMARK_RELEASE_EVERY!r}"
    )
DIAM_BENCHMARK_RELEASE_HISTORY = env_int("DIAM_BENCHMARK_RELEASE_HISTORY", 24)
# Demo mode (`make run`): synthetic demo organisations get their own, labelled benchmark
# releases, shown to demo organisations and on the public page. Off: no demo figure anywhere.
DIAM_DEMO_MODE = env_bool("DIAM_DEMO_MODE", False)
INVITATION_MAX_AGE_DAYS = env_int("DIAM_INVITATION_MAX_AGE_DAYS", 7)

# Report files are rendered once per state by a background worker (`manage.py db_worker`, the
# database backend of django-tasks: no extra server) and kept here; derived data, not backed up.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
REPORTS_DIR = Path(env_str("DIAM_REPORTS_DIR", "") or DATA_DIR / "reports")
# A download waits this long for a worker to start its file; then, if no worker is busy, the
# request renders it itself (so a site without a running worker still delivers).
REPORT_WORKER_WAIT_SECONDS = env_int("DIAM_REPORT_WORKER_WAIT_SECONDS", 5)
# Stored files of drafts (which change often) and stale files go after this many days.
REPORT_FILES_MAX_AGE_DAYS = env_int("DIAM_REPORT_FILES_MAX_AGE_DAYS", 30)
# Validation and recognition (diam.web.validation, docs/recognition.md).
# Lowest self-assessed stage an organisation may ask to have validated (0 allows any stage).
DIAM_VALIDATION_MIN_STAGE = env_int("DIAM_VALIDATION_MIN_STAGE", 6)
DIAM_VALIDATION_VALIDITY_YEARS = env_int("DIAM_VALIDATION_VALIDITY_YEARS", 3)
# Revalidation is due this many days before a validation expires.
DIAM_VALIDATION_REVALIDATION_DAYS = env_int("DIAM_VALIDATION_REVALIDATION_DAYS", 180)
# Where the Ed25519 key that signs credentials lives (never in the repository).
DIAM_CREDENTIAL_KEY_DIR = Path(env_str("DIAM_CREDENTIAL_KEY_DIR", str(DATA_DIR / "keys")))
DIAM_PROGRAMME_NAME = env_str("DIAM_PROGRAMME_NAME", "diam imaging IT maturity programme")

# Development outbox (`make run`, DEBUG on): e-mails are written to DATA_DIR/mail and listed at
# /dev/outbox/, so the invitation and password-reset links can be followed without a mail
# server. Off with DEBUG off: the URL is not even registered, and mail goes to the console or,
# with DIAM_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend, to the SMTP server.
DIAM_DEV_OUTBOX = DEBUG and env_bool("DIAM_DEV_OUTBOX", True)
EMAIL_BACKEND = env_str(
    "DIAM_EMAIL_BACKEND",
    "diam.web.core.outbox.OutboxBackend"
    if DIAM_DEV_OUTBOX
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("DIAM_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DIAM_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DIAM_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DIAM_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DIAM_EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DIAM_DEFAULT_FROM_EMAIL", "diam <noreply@localhost>")

# Security: secure cookies and HSTS whenever not in DEBUG (deploy behind TLS).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("DIAM_SESSION_AGE_SECONDS", 60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag instead
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DIAM_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DIAM_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DIAM_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DIAM_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DIAM_HSTS_PRELOAD", True)
    # Believed only from DIAM_TRUSTED_PROXIES: ForwardedHeadersMiddleware drops it otherwise.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # One JSON object per line (DIAM_LOG_FORMAT=json, the production default) or plain text.
        "json": {"()": "diam.web.security.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_str("DIAM_LOG_FORMAT", "plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DIAM_LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per request (method, path, status, duration, user, client): INFO.
        "diam.request": {"level": env_str("DIAM_REQUEST_LOG_LEVEL", "INFO"), "propagate": True},
        "django.request": {"level": "ERROR"},  # 4xx are in diam.request already
    },
}

# --- Sign-in protection (docs/security.md) ------------------------------------------------------
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one address, or from one client,
# that address / client is refused for the cool-off time, with a 429 page that says so. The
# admin login goes through the same backend.
AXES_FAILURE_LIMIT = env_int("DIAM_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("DIAM_SIGNIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "diam.web.security.signin.axes_username"
AXES_LOCKOUT_CALLABLE = "diam.web.security.signin.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit trail
AXES_VERBOSE = False
# The client's address as everything else sees it (X-Forwarded-For only from trusted proxies).
AXES_CLIENT_IP_CALLABLE = "diam.web.security.proxies.client_ip"
# Password-reset e-mails: at most this many per address and per client each hour.
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env_int("DIAM_PASSWORD_RESET_PER_ADDRESS", 3)
PASSWORD_RESET_PER_CLIENT_PER_HOUR = env_int("DIAM_PASSWORD_RESET_PER_CLIENT", 10)
# Two-factor sign-in (TOTP apps, recovery codes) is required for these roles.
OTP_TOTP_ISSUER = env_str("DIAM_TOTP_ISSUER", "diam")

# --- Content-Security-Policy ---------------------------------------------------------------------
# Scripts only from this site's own files (no inline script, no eval), no plugins, no framing,
# forms post only here. Style sheets only from files too; style *attributes* are allowed (the
# progress bars and report tables set widths with them), which cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
