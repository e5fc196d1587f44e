from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "keten.events"
