"""Tests: SQLite in memory, or PostgreSQL when KETEN_TEST_DATABASE_URL is set."""

import tempfile
from pathlib import Path

import dj_database_url

from keten.conf.base import *  # noqa: F403
from keten.conf.env import envstr

SECRET_KEY = "tests-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
KETEN_DATA_DIR = Path(tempfile.mkdtemp(prefix="keten-test-"))
MEDIA_ROOT = KETEN_DATA_DIR / "media"

_url = envstr("KETEN_TEST_DATABASE_URL")
DATABASES = {
    "default": dj_database_url.parse(_url)
    if _url
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
