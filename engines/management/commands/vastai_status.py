from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from engines.console import ConsoleError
from engines.deployment import DeploymentSync
from engines.vastai import VastaiEngine

COLUMNS = ("id", "status", "cur_load", "cur_perf", "measured_perf", "reliability", "reqs_working")


class Command(BaseCommand):
    help = "Show the Vast.ai endpoint's workers: their state, load and price."

    def handle(self, *args, **options):
        if not settings.VASTAI_API_KEY:
            raise CommandError("Set VASTAI_API_KEY first.")
        try:
            sync = DeploymentSync()
            endpoint = sync.current_endpoint()
            if endpoint is None:
                raise CommandError(f"No endpoint named {settings.VASTAI_DEPLOY_ENDPOINT_NAME}; run vastai_sync.")
            workers = sync.console.endpoint_workers(endpoint["id"])
        except ConsoleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Endpoint {endpoint['endpoint_name']} (id {endpoint['id']}): "
            f"{endpoint.get('endpoint_state', 'unknown state')}, max {endpoint.get('max_workers')} workers"
        )
        if not workers:
            self.stdout.write("No workers.")
            return
        engine = VastaiEngine()
        self.stdout.write("  ".join(f"{column:>13}" for column in (*COLUMNS, "$/hour")))
        for worker in workers:
            price = engine.price_per_hour(str(worker.get("id", "")))
            cells = [str(worker.get(column, "")) for column in COLUMNS] + [str(price or "?")]
            self.stdout.write("  ".join(f"{cell:>13}" for cell in cells))
