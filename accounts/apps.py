from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from . import checks, receivers, signals  # noqa: F401  (registers the checks and receivers)

        password_reset.connect(receivers.password_reset_verifies_address, dispatch_uid="reset_verifies")
