"""The page cache: a page's tables and chart specs, built once per version of the data.

`keten.figures.metrics` already caches the numbers on disk; this keeps what a page makes of
them (suppressed tables, Vega-Lite specs) in Django's cache, so a warm page only renders its
template. The key holds the store version and the chain definition, so a new or withdrawn
batch or an edited chain never serves old pages.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from keten.analytics.cache import code_version, digest
from keten.figures import metrics

TIMEOUT_SECONDS = 6 * 3600
# Reading the chain definition takes a dozen queries; a page reuses it this many seconds, so
# an edited definition shows on the monitor at most this late. Batches are checked every time.
DEFINITION_SECONDS = 10.0

_definitions: dict[int, tuple[float, Any, str]] = {}


def chain_definition(chain) -> tuple[Any, str]:
    """The chain's ChainSpec and its digest, re-read at most every DEFINITION_SECONDS."""
    now = time.monotonic()
    hit = _definitions.get(chain.pk)
    if hit and hit[0] > now:
        return hit[1], hit[2]
    spec = chain.to_spec()
    value = (now + DEFINITION_SECONDS, spec, digest(spec))
    _definitions[chain.pk] = value
    return spec, value[2]


def forget_definitions() -> None:
    """Drop the remembered definitions (tests that edit a chain)."""
    _definitions.clear()


def data_version(chain) -> str:
    """A token that changes with the chain's active batches, its definition, the engine and
    the metric code (a page built from other figures is never served)."""
    parts = [metrics.store_version(chain), chain_definition(chain)[1], settings.KETEN_ENGINE, code_version()]
    return ":".join(parts)


def page_cache(data, key: list[Any], build: Callable[[], Any]) -> Any:
    """Return the cached value for `key` on the current data version, or build and store it."""
    version = data_version(data.chain)
    text = json.dumps([data.chain.slug, version, *key], default=str)
    cache_key = "monitor:" + hashlib.sha256(text.encode()).hexdigest()
    hit = cache.get(cache_key)
    if hit is not None:
        return hit
    value = build()
    cache.set(cache_key, value, TIMEOUT_SECONDS)
    return value
