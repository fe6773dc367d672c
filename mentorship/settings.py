"""Settings, all read from the environment (see README, "Configuration").

Defaults suit a developer laptop: SQLite, console email, in-process Celery.
A malformed value fails loudly at start-up rather than being guessed at.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-4f8c2a9e7b1d"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "accounts",
    "notifications",
    "programs",
    "applications",
    "opportunities",
    "matching",
    "mentoring",
    # The project package: commands and data migrations that span every app.
    "mentorship",
]
# The site's name and domain (allauth's emails use them) arrive by data migration.
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mentorship.middleware.PrivateResponseMiddleware",
    "mentorship.middleware.StaffIdleTimeoutMiddleware",
    "mentorship.middleware.StaffMFAMiddleware",
]

ROOT_URLCONF = "mentorship.urls"
WSGI_APPLICATION = "mentorship.wsgi.application"

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
                "mentorship.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# allauth counts login attempts in the cache: production needs one that every
# gunicorn worker shares (redis://...), or each worker keeps its own count.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "my_home"

# django-allauth: email is the login; verification is mandatory in production.
# accounts' adapter, with allauth's emails queued in the outgoing-email table.
ACCOUNT_ADAPTER = "notifications.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="optional" if DEBUG else "mandatory"
)
if not DEBUG and ACCOUNT_EMAIL_VERIFICATION != "mandatory":
    raise ImproperlyConfigured("Email verification must be mandatory when DEBUG is off.")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OLA Mentorship] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env.bool("SECURE_HTTPS", default=False) else "http"

# Two-factor authentication (TOTP and recovery codes): required of staff and
# coordinators before they open the admin, where identity data is; optional for
# everyone else (Profile -> Two-factor authentication).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OLA Mentorship"
# For the demo only (`make run` sets it): this code passes wherever an
# authenticator code is asked, so a demo needs no authenticator app.
MFA_TOTP_INSECURE_BYPASS_CODE = env.str("MFA_DEMO_CODE", default="") or None
if MFA_TOTP_INSECURE_BYPASS_CODE and not DEBUG:
    raise ImproperlyConfigured("MFA_DEMO_CODE is for the demo: it cannot be set when DEBUG is off.")

# Single sign-on: allauth's OpenID Connect provider, off unless OIDC_ENABLED.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
SOCIALACCOUNT_ONLY = False
# A university login whose email the provider verified signs in to the local
# account with that address, and is connected to it, but only when the local
# address is verified too (accounts.adapters.SocialAccountAdapter narrows the
# match); any other clash gets a page that explains what to do.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Seconds allauth waits for the provider (discovery, token, keys, userinfo)
# before the person sees the "university login unavailable" page.
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("OIDC_TIMEOUT", default=5)
SOCIALACCOUNT_PROVIDERS = {}
if OIDC_ENABLED:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env.str("OIDC_PROVIDER_ID", default="institution"),
                "name": env.str("OIDC_PROVIDER_NAME", default="University login"),
                "client_id": env.str("OIDC_CLIENT_ID"),
                "secret": env.str("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": env.str("OIDC_SERVER_URL")},
            }
        ],
    }

# A verified address in one of these domains (or SSO) makes an institutional member.
# Empty means any verified account counts.
INSTITUTION_EMAIL_DOMAINS = [d.lower().lstrip("@") for d in env.list("INSTITUTION_EMAIL_DOMAINS", default=[])]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en-ca"
TIME_ZONE = env.str("TIME_ZONE", default="America/Toronto")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: console on a laptop; EMAIL_URL=smtp+tls://user:pass@host:587 in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OLA Mentorship <medicine.dmp@utoronto.ca>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)
# Retries wait EMAIL_RETRY_BACKOFF_SECONDS, then twice that, and so on.
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=60)
# An email "sending" for longer than this is taken back by beat (the worker
# died); it must exceed EMAIL_TIMEOUT, or a slow send could go out twice.
EMAIL_CLAIM_LEASE_SECONDS = env.int("EMAIL_CLAIM_LEASE_SECONDS", default=300)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
if EMAIL_CLAIM_LEASE_SECONDS <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured("EMAIL_CLAIM_LEASE_SECONDS must exceed EMAIL_TIMEOUT.")

# Celery: without a broker every task runs in-process, at once.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    # Eager tasks still take a producer from the pool; keep it off the network.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "mentorship"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues an email publishes after commit; with the broker down
# it gives up within a few seconds (the email waits for beat), never hangs.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE = {
    "retry-stuck-emails": {
        "task": "notifications.tasks.requeue_pending_emails",
        "schedule": 60.0,
    },
    "delete-expired-exports": {
        "task": "opportunities.tasks.delete_expired_exports",
        "schedule": 3600.0,
    },
    "delete-stale-import-uploads": {
        "task": "opportunities.tasks.delete_stale_import_uploads",
        "schedule": 3600.0,
    },
    "delete-expired-identity": {
        "task": "applications.tasks.delete_expired_identity",
        "schedule": 86400.0,
    },
    # The mentorship year: reminders daily (each is sent once, so a missed or
    # repeated run is harmless), the coordinators' digest on Monday mornings.
    "mentoring-reminders": {
        "task": "mentoring.tasks.send_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "mentoring-coordinator-digest": {
        "task": "mentoring.tasks.send_coordinator_digest",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    # Matches end when their program year does.
    "matches-end-at-year-end": {
        "task": "mentoring.tasks.matches_end_at_year_end",
        "schedule": 86400.0,
    },
}

# Self-identification on declined, withdrawn or ended applications is deleted
# this many days after the application closed (withdrawal deletes it at once).
# The form tells applicants this period, in words.
IDENTITY_RETENTION_DAYS = env.int("IDENTITY_RETENTION_DAYS", default=365)
if IDENTITY_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("IDENTITY_RETENTION_DAYS must be 0 or more.")

# Learner Mentorship Database exports.
EXPORT_ASYNC_THRESHOLD = env.int("EXPORT_ASYNC_THRESHOLD", default=5000)
EXPORT_RETENTION_HOURS = env.int("EXPORT_RETENTION_HOURS", default=24)

# Spreadsheet import (admin and `import_opportunities`). A workbook is a zip
# of XML written by anyone: past these limits it is refused before it is
# parsed, so one upload cannot exhaust a worker's memory.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=200)
IMPORT_MAX_ZIP_ENTRIES = env.int("IMPORT_MAX_ZIP_ENTRIES", default=1000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5000)  # data rows (blank rows do not count)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)  # columns further right are not read
IMPORT_MAX_MERGED_RANGES = env.int("IMPORT_MAX_MERGED_RANGES", default=2000)
# An upload waits for its preview to be confirmed this long, then is deleted.
IMPORT_UPLOAD_RETENTION_HOURS = env.int("IMPORT_UPLOAD_RETENTION_HOURS", default=24)

# HTTPS: one switch for redirect, secure cookies and HSTS behind a TLS proxy.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=False)
if SECURE_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Staff and coordinators see identity data: their sessions end when idle.
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)

# Everything is served from this origin (no CDN); the admin and Bootstrap need
# no inline script or style. Forms may post elsewhere: SSO redirects to the
# identity provider after a POST, which form-action would block.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
