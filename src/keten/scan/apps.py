from django.apps import AppConfig


class ScanConfig(AppConfig):
    name = "keten.scan"
