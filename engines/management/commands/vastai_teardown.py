from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from engines.console import ConsoleError
from engines.deployment import deployment_teardown


class Command(BaseCommand):
    help = "Delete the Vast.ai endpoint and its worker group (and so its workers). Asks first."

    def add_arguments(self, parser):
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, yes: bool, **options):
        if not settings.VASTAI_API_KEY:
            raise CommandError("Set VASTAI_API_KEY first.")
        name = settings.VASTAI_DEPLOY_ENDPOINT_NAME
        if not yes:
            answer = input(f"Delete the Vast.ai endpoint {name} and all its workers? Type its name to confirm: ")
            if answer.strip() != name:
                raise CommandError("Not confirmed; nothing deleted.")
        try:
            done = deployment_teardown()
        except ConsoleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("\n".join(done) if done else f"No endpoint named {name}; nothing to delete.")
