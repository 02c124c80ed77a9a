"""vastai_sync, vastai_status and vastai_teardown against a fake console that records requests."""

import io

import pytest
from django.core.management import CommandError, call_command

from engines.models import VastaiDeployment

pytestmark = pytest.mark.django_db

ENDPOINT_FIELDS = {
    "endpoint_name", "min_load", "min_cold_load", "target_util", "cold_mult", "cold_workers", "max_workers",
    "max_queue_time", "target_queue_time", "inactivity_timeout", "autoscaler_instance",
}  # fmt: skip


@pytest.fixture
def console(vast_console, settings):
    settings.VASTAI_WORKER_IMAGE = "libread/libread-tts-worker@sha256:abc123"
    settings.VASTAI_WRITE_INTERVAL = 0
    return vast_console


def sync(*args) -> str:
    out = io.StringIO()
    call_command("vastai_sync", *args, stdout=out)
    return out.getvalue()


def test_the_first_sync_creates_template_endpoint_and_worker_group(console):
    output = sync()

    methods = [(method, path) for method, path, _ in console.console_writes]
    assert methods == [
        ("POST", "/api/v0/template/"),
        ("POST", "/api/v0/endptjobs/"),
        ("POST", "/api/v0/workergroups/"),
    ]
    _, _, template = console.console_writes[0]
    assert template["image"] == "libread/libread-tts-worker@sha256:abc123"
    assert template["env"].startswith("-p 3000:3000")
    assert template["onstart"] == "bash /app/gpu_worker/onstart.sh"
    _, _, endpoint = console.console_writes[1]
    assert set(endpoint) >= ENDPOINT_FIELDS
    assert (endpoint["cold_workers"], endpoint["max_workers"]) == (0, 3)
    _, _, group = console.console_writes[2]
    assert group["template_hash"] == "hash-300-1"
    assert group["search_params"] == "reliability>0.95 num_gpus=1 cuda_vers>=12.8"
    assert group["gpu_ram"] == 8
    deployment = VastaiDeployment.objects.get()
    assert deployment.endpoint_id == 1000
    assert deployment.endpoint_api_key == "key-1000"
    assert deployment.workergroup_id == 500
    assert "VASTAI_ENDPOINT_ID=1000" in output


def test_a_second_sync_changes_nothing(console):
    sync()
    writes = len(console.console_writes)

    output = sync()

    assert len(console.console_writes) == writes
    assert "nothing to do" in output


def test_a_changed_setting_makes_exactly_one_update_with_every_field(console, settings):
    sync()
    writes = len(console.console_writes)
    settings.VASTAI_MAX_WORKERS = 5

    sync()

    (update,) = console.console_writes[writes:]
    method, path, body = update
    assert (method, path) == ("PUT", "/api/v0/endptjobs/1000/")
    assert set(body) >= ENDPOINT_FIELDS
    assert body["max_workers"] == 5
    assert body["endptjob_id"] == 1000


def test_a_new_image_updates_the_template_and_points_the_worker_group_at_it(console, settings):
    sync()
    writes = len(console.console_writes)
    settings.VASTAI_WORKER_IMAGE = "libread/libread-tts-worker@sha256:def456"

    sync()

    changed = [(method, path) for method, path, _ in console.console_writes[writes:]]
    assert changed == [("PUT", "/api/v1/template/"), ("PUT", "/api/v0/workergroups/500/")]
    assert console.console_writes[-1][2]["template_hash"] == "hash-300-2"
    assert console.console_writes[-1][2]["search_params"] == "reliability>0.95 num_gpus=1 cuda_vers>=12.8"


def test_a_dry_run_prints_the_diff_and_writes_nothing(console, settings):
    sync()
    writes = len(console.console_writes)
    settings.VASTAI_GPU_RAM = 12

    output = sync("--dry-run")

    assert len(console.console_writes) == writes
    assert "update workergroup" in output
    assert "gpu_ram: 8 -> 12" in output


def test_sync_needs_the_key_and_the_image(console, settings):
    settings.VASTAI_WORKER_IMAGE = ""

    with pytest.raises(CommandError, match="VASTAI_WORKER_IMAGE"):
        sync()


def test_status_lists_workers_with_their_state_load_and_price(console):
    sync()
    console.workers = [{"id": 4242, "status": "running", "cur_load": 120.0, "cur_perf": 300.5, "reliability": 0.99}]
    out = io.StringIO()

    call_command("vastai_status", stdout=out)

    output = out.getvalue()
    assert "Endpoint libread-tts (id 1000)" in output
    assert "running" in output
    assert "0.389" in output


def test_teardown_asks_for_the_endpoint_name(console, monkeypatch):
    sync()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("vastai_teardown")
    assert console.created_endpoints


def test_teardown_deletes_the_worker_group_and_the_endpoint(console, monkeypatch):
    sync()
    monkeypatch.setattr("builtins.input", lambda prompt: "libread-tts")

    call_command("vastai_teardown", stdout=io.StringIO())

    deletes = [(method, path) for method, path, _ in console.console_writes if method == "DELETE"]
    assert deletes == [("DELETE", "/api/v0/workergroups/500/"), ("DELETE", "/api/v0/endptjobs/1000/")]
    assert not VastaiDeployment.objects.exists()
