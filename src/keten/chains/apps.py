from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "keten.chains"
