from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from engines.console import ConsoleError
from engines.deployment import DeploymentSync


class Command(BaseCommand):
    help = "Create or update the Vast.ai worker template, endpoint and worker group from settings."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")

    def handle(self, *args, dry_run: bool, **options):
        missing = [name for name in ("VASTAI_API_KEY", "VASTAI_WORKER_IMAGE") if not getattr(settings, name)]
        if missing:
            raise CommandError(f"Set {' and '.join(missing)} first.")
        try:
            sync = DeploymentSync()
            changes = sync.plan()
            for change in changes:
                self.stdout.write(change.describe())
            if not changes:
                self.stdout.write("Vast.ai already matches the settings; nothing to do.")
                return
            if dry_run:
                self.stdout.write(f"Dry run: {len(changes)} change(s) not written.")
                return
            deployment = sync.apply(changes)
        except ConsoleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Synced: endpoint {deployment.endpoint_name} (id {deployment.endpoint_id}), "
                f"worker group {deployment.workergroup_id}, template {deployment.template_hash}."
            )
        )
        if str(deployment.endpoint_id) != settings.VASTAI_ENDPOINT_ID:
            self.stdout.write(f"Set VASTAI_ENDPOINT_ID={deployment.endpoint_id} for the service to use it.")
