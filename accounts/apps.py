from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and API keys"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401 (registers the key scheme with the schema generator)
        from accounts.models import Account, ApiKey
        from accounts.recent import forget_on_change

        forget_on_change(Account, ApiKey)
