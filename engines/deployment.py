"""The Vast.ai deployment as settings describe it, and syncing Vast.ai to it.

Three parts, in order: the worker template (image, docker options, onstart), the serverless
endpoint (scaling), and its worker group (which template, which machines). Every field is sent
explicitly, because Vast's defaults differ between its CLI, UI and API (vastai.md §5.1), and an
update without the search string resets it. A second sync with unchanged settings writes nothing.
"""

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from engines.console import VastaiConsole
from engines.models import VastaiDeployment

WORKER_PORT = 3000
ONSTART = "bash /app/gpu_worker/onstart.sh"
# Lists show the worker group's search string as search_query; writes call it search_params.
WORKERGROUP_ALIASES = {"search_params": "search_query"}


@dataclass
class Change:
    part: str  # "template", "endpoint" or "workergroup"
    action: str  # "create" or "update"
    fields: dict
    differences: dict = field(default_factory=dict)  # name -> (current, wanted)

    def describe(self) -> str:
        lines = [f"{self.action} {self.part}"]
        for name, (current, wanted) in self.differences.items():
            lines.append(f"  {name}: {current!r} -> {wanted!r}")
        return "\n".join(lines)


def image_and_tag(image: str) -> tuple[str, str]:
    if "@" in image:  # by digest, as Vast hosts cache moving tags
        return image, ""
    name, _, tag = image.rpartition(":")
    return (name, tag) if name and "/" not in tag else (image, "latest")


def desired_template() -> dict:
    image, tag = image_and_tag(settings.VASTAI_WORKER_IMAGE)
    return {
        "name": settings.VASTAI_TEMPLATE_NAME,
        "image": image,
        "tag": tag,
        "env": f"-p {WORKER_PORT}:{WORKER_PORT} {settings.VASTAI_WORKER_ENV}".strip(),
        "onstart": ONSTART,
        "runtype": "ssh",
        "recommended_disk_space": settings.VASTAI_DISK_GB,
        "extra_filters": {},
        "private": True,
    }


def desired_endpoint() -> dict:
    return {
        "endpoint_name": settings.VASTAI_DEPLOY_ENDPOINT_NAME,
        "min_load": settings.VASTAI_MIN_LOAD,
        "min_cold_load": 0.0,
        "target_util": settings.VASTAI_TARGET_UTIL,
        "cold_mult": settings.VASTAI_COLD_MULT,
        "cold_workers": settings.VASTAI_MIN_WORKERS,
        "max_workers": settings.VASTAI_MAX_WORKERS,
        "max_queue_time": settings.VASTAI_MAX_QUEUE_TIME,
        "target_queue_time": settings.VASTAI_TARGET_QUEUE_TIME,
        "inactivity_timeout": settings.VASTAI_INACTIVITY_TIMEOUT,
        "autoscaler_instance": "prod",
    }


def desired_workergroup(endpoint_id: int | None, template_id: int | None, template_hash: str) -> dict:
    return {
        "endpoint_name": settings.VASTAI_DEPLOY_ENDPOINT_NAME,
        "endpoint_id": endpoint_id,
        "template_id": template_id,
        "template_hash": template_hash,
        "search_params": settings.VASTAI_SEARCH_PARAMS,
        "launch_args": settings.VASTAI_LAUNCH_ARGS,
        "gpu_ram": settings.VASTAI_GPU_RAM,
        "autoscaler_instance": "prod",
    }


def same(current, wanted) -> bool:
    if isinstance(wanted, int | float) and not isinstance(wanted, bool) and current is not None:
        try:
            return float(current) == float(wanted)
        except (TypeError, ValueError):
            return False
    return current == wanted


def differences(current: dict, wanted: dict, aliases: dict | None = None) -> dict:
    aliases = aliases or {}
    found = {}
    for name, value in wanted.items():
        now = current.get(aliases.get(name, name), current.get(name))
        if name != "autoscaler_instance" and not same(now, value):
            found[name] = (now, value)
    return found


class DeploymentSync:
    """Plans the changes that make Vast.ai match the settings, then applies them."""

    def __init__(self, console: VastaiConsole | None = None, write_interval: float | None = None):
        self.console = console or VastaiConsole()
        self.write_interval = settings.VASTAI_WRITE_INTERVAL if write_interval is None else write_interval
        self.writes = 0
        self.deployment = VastaiDeployment.objects.filter(
            endpoint_name=settings.VASTAI_DEPLOY_ENDPOINT_NAME
        ).first() or VastaiDeployment(endpoint_name=settings.VASTAI_DEPLOY_ENDPOINT_NAME)

    def current_endpoint(self) -> dict | None:
        name = settings.VASTAI_DEPLOY_ENDPOINT_NAME
        return next((e for e in self.console.endpoints() if e.get("endpoint_name") == name), None)

    def current_workergroup(self, endpoint_id: int | None) -> dict | None:
        if endpoint_id is None:
            return None
        return next((g for g in self.console.workergroups() if g.get("endpoint_id") == endpoint_id), None)

    def plan(self) -> list[Change]:
        changes = []
        template = desired_template()
        if not self.deployment.template_hash:
            changes.append(Change("template", "create", template, differences({}, template)))
        elif self.deployment.template_fields != template:
            changes.append(
                Change("template", "update", template, differences(self.deployment.template_fields, template))
            )

        endpoint = self.current_endpoint()
        wanted = desired_endpoint()
        if endpoint is None:
            changes.append(Change("endpoint", "create", wanted, differences({}, wanted)))
        elif found := differences(endpoint, wanted):
            changes.append(Change("endpoint", "update", wanted, found))

        endpoint_id = endpoint["id"] if endpoint else None
        group = self.current_workergroup(endpoint_id)
        template_changes = any(change.part == "template" for change in changes)
        wanted = desired_workergroup(
            endpoint_id,
            None if template_changes else self.deployment.template_id,
            "(new template)" if template_changes else self.deployment.template_hash,
        )
        if group is None:
            changes.append(Change("workergroup", "create", wanted, differences({}, wanted)))
        elif found := differences(group, wanted, WORKERGROUP_ALIASES):
            changes.append(Change("workergroup", "update", wanted, found))
        return changes

    def write(self, method: str, path: str, body: dict) -> dict:
        if self.writes:
            time.sleep(self.write_interval)
        self.writes += 1
        return self.console.request(method, path, json=body)

    def apply(self, changes: list[Change]) -> VastaiDeployment:
        deployment = self.deployment
        for change in changes:
            if change.part == "template":
                self.apply_template(change)
            elif change.part == "endpoint":
                self.apply_endpoint(change)
        endpoint = self.current_endpoint()
        deployment.endpoint_id, deployment.endpoint_api_key = endpoint["id"], endpoint.get("api_key", "")
        for change in changes:
            if change.part == "workergroup":
                self.apply_workergroup(change)
        deployment.synced_at = timezone.now()
        deployment.save()
        return deployment

    def apply_template(self, change: Change) -> None:
        deployment = self.deployment
        if change.action == "create":
            answer = self.write("POST", "/api/v0/template/", change.fields)
        else:
            body = {"id": deployment.template_id, "hash_id": deployment.template_hash, **change.fields}
            answer = self.write("PUT", "/api/v1/template/", body)
        template = answer.get("template", answer)
        deployment.template_id, deployment.template_hash = template["id"], template["hash_id"]
        deployment.template_fields = change.fields

    def apply_endpoint(self, change: Change) -> None:
        if change.action == "create":
            self.write("POST", "/api/v0/endptjobs/", {"client_id": "me", **change.fields})
        else:
            endpoint_id = self.current_endpoint()["id"]
            self.write("PUT", f"/api/v0/endptjobs/{endpoint_id}/", {"endptjob_id": endpoint_id, **change.fields})

    def apply_workergroup(self, change: Change) -> None:
        deployment = self.deployment
        fields = desired_workergroup(deployment.endpoint_id, deployment.template_id, deployment.template_hash)
        if change.action == "create":
            answer = self.write("POST", "/api/v0/workergroups/", {"client_id": "me", **fields})
            deployment.workergroup_id = answer.get("id")
        else:
            group = self.current_workergroup(deployment.endpoint_id)
            self.write("PUT", f"/api/v0/workergroups/{group['id']}/", fields)
            deployment.workergroup_id = group["id"]


def deployment_teardown(console: VastaiConsole | None = None) -> list[str]:
    """Delete the worker group and the endpoint (its workers with it); the template stays."""
    console = console or VastaiConsole()
    sync = DeploymentSync(console)
    endpoint = sync.current_endpoint()
    done = []
    if endpoint:
        group = sync.current_workergroup(endpoint["id"])
        if group:
            console.delete(f"/api/v0/workergroups/{group['id']}/")
            done.append(f"deleted worker group {group['id']}")
        console.delete(f"/api/v0/endptjobs/{endpoint['id']}/")
        done.append(f"deleted endpoint {endpoint['id']} ({endpoint['endpoint_name']})")
    VastaiDeployment.objects.filter(endpoint_name=settings.VASTAI_DEPLOY_ENDPOINT_NAME).delete()
    return done
