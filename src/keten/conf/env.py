"""Read settings from the environment, rejecting values that cannot be meant."""

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    """Return the environment variable as a bool; refuse anything that is not clearly one."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: use true or false.")


def envint(name: str, default: int, minimum: int | None = None) -> int:
    """Return the environment variable as an int, at least `minimum` when given."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value}: must be at least {minimum}.")
    return value


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def envsize(name: str, default: str) -> int:
    """Return a size such as 512MB, 2GB or 1GiB (or plain bytes) from the environment, in bytes."""
    raw = os.environ.get(name, "").strip() or default
    match = re.fullmatch(r"(\d+)\s*([A-Za-z]*)", raw)
    unit = match and _UNITS.get(match.group(2).upper())
    if not unit or int(match.group(1)) == 0:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a size such as 512MB or 2GB.")
    return int(match.group(1)) * unit


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)
