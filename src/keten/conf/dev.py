"""Local use and the demo: plain HTTP on 127.0.0.1, a secret key kept in the data dir."""

import secrets

from keten.conf.base import *  # noqa: F403
from keten.conf.base import KETEN_DATA_DIR, SECRET_KEY


def _secret_key_from_data_dir() -> str:
    """Return the key stored in the data dir, creating it once, so sessions survive restarts."""
    path = KETEN_DATA_DIR / "secret_key"
    if not path.exists():
        KETEN_DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = SECRET_KEY or _secret_key_from_data_dir()
