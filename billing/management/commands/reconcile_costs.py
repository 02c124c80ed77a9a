import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.reconciliation import reconcile
from engines.console import ConsoleError


class Command(BaseCommand):
    help = "Write overhead lines so the ledger matches what Vast.ai charged for the endpoint, day by day."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="how many days back from yesterday (default 3)")

    def handle(self, *args, days: int, **options):
        if not (settings.VASTAI_API_KEY and settings.VASTAI_ENDPOINT_ID):
            raise CommandError("Set VASTAI_API_KEY and VASTAI_ENDPOINT_ID first.")
        last = timezone.now().astimezone(datetime.UTC).date() - datetime.timedelta(days=1)
        try:
            results = reconcile(last - datetime.timedelta(days=days - 1), last)
        except ConsoleError as exc:
            raise CommandError(str(exc)) from None
        for result in results:
            self.stdout.write(
                f"{result.day}: charged ${result.charged:.6f}, ledger ${result.attributed:.6f}, "
                f"overhead added ${result.added:.6f}"
            )
