from django.core.management.base import BaseCommand

from accounts.services import account_get_or_create, api_key_create


class Command(BaseCommand):
    help = "Create an API key for an account (created if needed); the key is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("account", help="account name")
        parser.add_argument("--name", default="", help="what the key is for")

    def handle(self, *args, account: str, name: str, **options):
        api_key, key = api_key_create(account=account_get_or_create(name=account), name=name)
        self.stderr.write(f"Created API key {api_key.prefix}… for account {api_key.account}. It is shown only once:")
        self.stdout.write(key)
