"""Production: HTTPS only, every secret from the environment."""

from django.core.exceptions import ImproperlyConfigured

from keten.conf.base import *  # noqa: F403
from keten.conf.base import DEBUG, INSTALLED_APPS, SECRET_KEY
from keten.conf.env import envint

if not SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("KETEN_SECRET_KEY is required outside debug mode.")

# The demo app creates accounts with a known, printed password: never in production.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "keten.demo"]

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("KETEN_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
