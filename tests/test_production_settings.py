"""Production settings: the demo app (accounts with a printed password) is not installed, so
`keten demo` does not exist there; HTTPS and secrets are required."""

import json
import os
import subprocess
import sys


def settings_of(module: str, **env) -> dict:
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "from django.core.management import get_commands; "
        "print(json.dumps({'apps': settings.INSTALLED_APPS, 'demo': 'demo' in get_commands(), "
        "'ssl': settings.SECURE_SSL_REDIRECT}))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": module, **env}
    out = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_has_no_demo_app_and_no_demo_command(tmp_path):
    production = settings_of("keten.conf.production", KETEN_SECRET_KEY="x" * 50, KETEN_DATA_DIR=str(tmp_path))
    assert "keten.demo" not in production["apps"] and not production["demo"]
    assert production["ssl"] is True


def test_the_demo_runs_on_the_dev_settings(tmp_path):
    dev = settings_of("keten.conf.dev", KETEN_DATA_DIR=str(tmp_path))
    assert "keten.demo" in dev["apps"] and dev["demo"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "keten.conf.production", "KETEN_DATA_DIR": str(tmp_path)}
    env.pop("KETEN_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "KETEN_SECRET_KEY is required" in result.stderr


def test_half_an_openid_connect_configuration_is_named_at_start_up(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keten.conf.dev",
        "KETEN_DATA_DIR": str(tmp_path),
        "KETEN_OIDC_CLIENT_ID": "keten",
        "KETEN_OIDC_AUTHORIZATION_ENDPOINT": "https://login.example/authorize",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "KETEN_OIDC_TOKEN_ENDPOINT" in result.stderr and "KETEN_OIDC_JWKS_ENDPOINT" in result.stderr
