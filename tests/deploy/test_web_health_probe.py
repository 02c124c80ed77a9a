"""The web service's compose health check passes under the README's production ALLOWED_HOSTS: its
probe is run, exactly as compose runs it, against gunicorn started with that setting."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from django.conf import settings

from gpu_worker.testing.processes import alive_and, free_port, running, wait_until
from tests.deploy.test_web_image import PRODUCTION_ENVIRONMENT
from tests.support.stack import service_env

COMPOSE = Path(settings.BASE_DIR) / "docker-compose.yml"
GUNICORN = ["-m", "gunicorn", "libread_tts.wsgi", "--config", "python:libread_tts.gunicorn"]

pytestmark = pytest.mark.django_db(transaction=True)


def probe_command() -> list[str]:
    test = yaml.safe_load(COMPOSE.read_text())["services"]["web"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    return test[1:]


@pytest.fixture
def production_web(tmp_path):
    port = free_port()
    env = service_env(ALLOWED_HOSTS=PRODUCTION_ENVIRONMENT["ALLOWED_HOSTS"], HTTPS="true", PORT=str(port))
    log_path = tmp_path / "web.out"
    with running([*GUNICORN, "--bind", f"127.0.0.1:{port}"], env, log_path) as process:

        def listening() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code > 0
            except httpx.TransportError:
                return False

        wait_until(alive_and(listening, process, log_path), 60, what="gunicorn")
        yield env


def probe(env: dict[str, str]) -> subprocess.CompletedProcess:
    command = probe_command()
    assert command[0] == "python"
    return subprocess.run(
        [sys.executable, *command[1:]],  # the image's python is this environment's
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_probe_passes_against_a_healthy_service_that_answers_only_its_public_host(production_web):
    assert httpx.get(f"http://127.0.0.1:{production_web['PORT']}/api/tts/v1/tts/health").status_code == 400

    assert probe(production_web).returncode == 0


def test_the_probe_fails_when_nothing_answers(production_web):
    assert probe({**production_web, "PORT": str(free_port())}).returncode == 1
