"""docker-compose.yml heals and stops cleanly: every long-running service has a health check and
starts once what it needs is healthy, none is killed in the middle of its work, and the secrets
have no defaults."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings

COMPOSE = Path(settings.BASE_DIR) / "docker-compose.yml"
ONE_OFFS = {"migrate"}  # runs and exits: the others wait for it to have succeeded
DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def seconds(duration: str) -> float:
    hours, minutes, secs = (int(part or 0) for part in DURATION.fullmatch(duration).groups())
    return timedelta(hours=hours, minutes=minutes, seconds=secs).total_seconds()


def long_running(compose: dict) -> dict:
    return {name: service for name, service in compose["services"].items() if name not in ONE_OFFS}


def test_every_long_running_service_has_a_health_check(compose):
    missing = [
        name for name, service in long_running(compose).items() if not service.get("healthcheck", {}).get("test")
    ]

    assert missing == []


def test_services_start_once_what_they_need_is_healthy(compose):
    for name, service in compose["services"].items():
        for needed, condition in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if needed in ONE_OFFS else "service_healthy"
            assert condition == {"condition": expected}, (name, needed)
    for name in ("web", "worker", "beat"):
        assert set(compose["services"][name]["depends_on"]) == {"postgres", "redis", "migrate"}, name


def test_a_worker_stopping_finishes_its_task_first(compose):
    grace = seconds(compose["services"]["worker"]["stop_grace_period"])

    assert grace > settings.CELERY_TASK_TIME_LIMIT


def test_every_service_is_given_time_to_stop(compose):
    assert all(seconds(service["stop_grace_period"]) >= 30 for service in long_running(compose).values())


def test_secrets_are_required_and_have_no_defaults():
    text = COMPOSE.read_text()

    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD", "GPU_WORKER_TOKEN"):
        uses = re.findall(rf"\$\{{{secret}([^}}]*)\}}", text)
        assert uses, secret
        assert all(use.startswith(":?") for use in uses), (secret, uses)


def test_the_gpu_worker_answers_only_the_celery_worker_with_their_shared_token(compose):
    services = compose["services"]
    holders = sorted(name for name, service in services.items() if "GPU_WORKER_TOKEN" in service.get("environment", {}))

    assert holders == ["gpu_worker", "worker"]
    assert (
        services["worker"]["environment"]["GPU_WORKER_TOKEN"]
        == services["gpu_worker"]["environment"]["GPU_WORKER_TOKEN"]
    )
    assert services["gpu_worker"]["environment"]["TTS_HOST"] == "0.0.0.0"
    assert "ports" not in services["gpu_worker"]


def test_the_gpu_worker_shares_a_network_with_the_celery_worker_alone(compose):
    services = compose["services"]
    on_gpu_network = sorted(name for name, service in services.items() if "gpu" in service.get("networks", []))

    assert on_gpu_network == ["gpu_worker", "worker"]
    assert services["gpu_worker"]["networks"] == ["gpu"]
    assert "gpu" not in services["postgres"]["networks"] + services["redis"]["networks"]


def test_no_engine_points_at_a_gpu_worker_that_does_not_run(compose):
    environment = compose["x-service"]["environment"]

    assert environment["GPU_WORKER_URL"] == "${GPU_WORKER_URL:-}"


def test_the_web_service_is_published_on_loopback_for_its_proxy(compose):
    (published,) = compose["services"]["web"]["ports"]

    assert published.startswith("${WEB_PUBLISH_ADDRESS:-127.0.0.1}:")


def test_images_are_pinned_to_exact_versions(compose):
    images = [service["image"] for service in compose["services"].values() if "build" not in service]

    assert images
    assert all(
        re.fullmatch(r"[\w./-]+:\d+\.\d+(\.\d+)?[\w.-]*|[\w./-]+@sha256:[0-9a-f]{64}", image) for image in images
    )
