from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "keten.accounts"

    def ready(self) -> None:
        from keten.accounts import sessions  # noqa: F401  (connects the login signal)
