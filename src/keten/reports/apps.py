from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "keten.reports"
