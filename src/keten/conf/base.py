"""Settings shared by every environment; everything configurable comes from KETEN_* variables."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from keten.conf.env import envbool, envint, envsize, envstr

PACKAGE_DIR = Path(__file__).resolve().parent.parent

KETEN_DATA_DIR = Path(envstr("KETEN_DATA_DIR", ".keten")).expanduser().resolve()
KETEN_MIN_CELL = envint("KETEN_MIN_CELL", 10, minimum=1)
KETEN_ENGINE = envstr("KETEN_ENGINE", "duckdb")
if KETEN_ENGINE not in {"duckdb", "pyspark"}:
    raise ImproperlyConfigured(f"KETEN_ENGINE={KETEN_ENGINE!r}: use duckdb or pyspark.")
KETEN_SPARK_MASTER = envstr("KETEN_SPARK_MASTER", "local[2]")
# Per web process; larger analytics work spills to disk in the data dir instead of growing RSS.
KETEN_DUCKDB_MEMORY_LIMIT = envstr("KETEN_DUCKDB_MEMORY_LIMIT", "1500MB")
# Larger deliveries go through `keten ingest` on the server, which has no cap.
KETEN_MAX_UPLOAD = envsize("KETEN_MAX_UPLOAD", "512MB")
FILE_UPLOAD_HANDLERS = [
    "keten.events.uploads.UploadCap",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "keten.events.uploads.ScratchFileUploadHandler",
]

DEBUG = envbool("KETEN_DEBUG", False)
SECRET_KEY = envstr("KETEN_SECRET_KEY")
ALLOWED_HOSTS = [h for h in envstr("KETEN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "keten.accounts",
    "keten.chains",
    "keten.events",
    "keten.monitor",
    "keten.scan",
    "keten.governance",
    "keten.reports",
    "keten.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "keten.accounts.sessions.SessionLimitMiddleware",
    "keten.accounts.two_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy: every script and style sheet comes from the app itself, no inline
# script and no eval (the charts use Vega's expression interpreter). The one inline style a
# page has, the chain's accent colour, carries the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "keten.urls"
WSGI_APPLICATION = "keten.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_env() -> dict:
    """PostgreSQL (or any dj-database-url URL) when KETEN_DATABASE_URL is set, else SQLite."""
    url = envstr("KETEN_DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": KETEN_DATA_DIR / "keten.sqlite3"}


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Only needed for `collectstatic` in deployments that put a web server in front.
STATIC_ROOT = envstr("KETEN_STATIC_ROOT") or None
# The app serves its own assets (offline intranets): WhiteNoise reads them straight from
# the app directories, so no collectstatic step is needed to run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = KETEN_DATA_DIR / "media"
MEDIA_URL = "media/"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user+address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login with the organisation's identity provider (OpenID Connect, keten.accounts.oidc): on
# when a client id and the provider's endpoints (from its /.well-known/openid-configuration)
# are set. Existing accounts only, matched by verified e-mail address.
KETEN_OIDC_PROVIDER_NAME = envstr("KETEN_OIDC_PROVIDER_NAME")  # the button says "Log in with <name>"
OIDC_RP_CLIENT_ID = envstr("KETEN_OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = envstr("KETEN_OIDC_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = envstr("KETEN_OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = envstr("KETEN_OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = envstr("KETEN_OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = envstr("KETEN_OIDC_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = envstr("KETEN_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email"
OIDC_CREATE_USER = False
OIDC_AUTHENTICATE_CLASS = "keten.accounts.oidc.OrganisationLoginStart"
OIDC_CALLBACK_CLASS = "keten.accounts.oidc.OrganisationLoginCallback"
LOGIN_REDIRECT_URL_FAILURE = "/login/"
if OIDC_RP_CLIENT_ID:
    # Half a configuration would break every login (the backend checks its settings on each
    # one): say at start-up which setting is missing.
    _oidc_missing = [
        name
        for name, value in (
            ("KETEN_OIDC_AUTHORIZATION_ENDPOINT", OIDC_OP_AUTHORIZATION_ENDPOINT),
            ("KETEN_OIDC_TOKEN_ENDPOINT", OIDC_OP_TOKEN_ENDPOINT),
            ("KETEN_OIDC_USERINFO_ENDPOINT", OIDC_OP_USER_ENDPOINT),
            ("KETEN_OIDC_JWKS_ENDPOINT", OIDC_OP_JWKS_ENDPOINT),
        )
        if not value
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(
            f"KETEN_OIDC_CLIENT_ID is set but {', '.join(_oidc_missing)} not: copy them from the "
            "provider's /.well-known/openid-configuration, or unset KETEN_OIDC_CLIENT_ID."
        )
    AUTHENTICATION_BACKENDS.append("keten.accounts.oidc.OrganisationLoginBackend")
# Login lockout (django-axes): after KETEN_LOGIN_FAILURE_LIMIT wrong passwords for one user
# from one address, that pair is locked for KETEN_LOGIN_LOCKOUT_MINUTES (0: until a chain
# coordinator or an admin unlocks it).
AXES_FAILURE_LIMIT = envint("KETEN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
_lockout_minutes = envint("KETEN_LOGIN_LOCKOUT_MINUTES", 30, minimum=0)
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes) if _lockout_minutes else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# API tokens (keten.accounts): a coordinator picks an expiry at most this many days ahead;
# older DRF tokens made in the admin stop working this many days after they were made.
KETEN_API_TOKEN_MAX_DAYS = envint("KETEN_API_TOKEN_MAX_DAYS", 365, minimum=1)

# An invitation link (a new member sets a password once) is valid this many days.
KETEN_INVITATION_DAYS = envint("KETEN_INVITATION_DAYS", 7, minimum=1)
PASSWORD_RESET_TIMEOUT = KETEN_INVITATION_DAYS * 24 * 3600

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so a missing, expired or revoked token answers 401 with its reason.
        "keten.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Keten API",
    "DESCRIPTION": "Chain monitor: chains, event delivery, KPIs, flow metrics and norms.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "keten",
    }
}

# A session ends after KETEN_SESSION_IDLE_MINUTES without a request (0: no idle limit) and
# KETEN_SESSION_MAX_HOURS after login however busy (keten.accounts.sessions).
KETEN_SESSION_IDLE_MINUTES = envint("KETEN_SESSION_IDLE_MINUTES", 30, minimum=0)
KETEN_SESSION_MAX_HOURS = envint("KETEN_SESSION_MAX_HOURS", 10, minimum=1)
SESSION_COOKIE_AGE = KETEN_SESSION_MAX_HOURS * 3600

# A second factor (TOTP, keten.accounts.two_factor): required for coordinators and
# administrators by default; "everyone" or "nobody" (the demo) instead.
KETEN_TOTP_REQUIRED = envstr("KETEN_TOTP_REQUIRED", "coordinators")
if KETEN_TOTP_REQUIRED not in {"coordinators", "everyone", "nobody"}:
    raise ImproperlyConfigured(
        f"KETEN_TOTP_REQUIRED={KETEN_TOTP_REQUIRED!r}: use coordinators, everyone or nobody."
    )
OTP_TOTP_ISSUER = "Keten"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("KETEN_LOG_LEVEL", "WARNING")},
}
