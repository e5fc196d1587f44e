"""The monitor's fixtures (a chain with stored events, fresh caches) serve the figures' tests too."""

from tests.monitor.conftest import _fresh_caches, events_file, monitored  # noqa: F401
