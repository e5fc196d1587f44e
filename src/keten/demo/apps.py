from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: reference chains, the synthetic event generator and `keten demo`."""

    name = "keten.demo"
