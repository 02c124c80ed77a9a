"""The service's own processes for end-to-end and fault tests: Celery, the web server, Redis."""

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import httpx
from django.conf import settings

from gpu_worker.testing.processes import alive_and, free_port, running, wait_for_http, wait_until
from tests.support.service import worker_database_url

CELERY_WORKER = ["-m", "celery", "-A", "libread_tts", "worker", "-Q", "synthesis,default", "-c", "2", "-l", "info"]


def service_env(**overrides: str) -> dict[str, str]:
    """What a service process of the tests runs with: the test database, broker and files."""
    return {
        "DJANGO_SETTINGS_MODULE": "libread_tts.test_settings",
        "DATABASE_URL": worker_database_url(),
        "TTS_VAR_DIR": os.environ.get("TTS_VAR_DIR", str(settings.VAR_DIR)),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **overrides,
    }


@contextmanager
def celery_worker(env: dict[str, str], log_path: Path, beat: bool = False):
    command = [*CELERY_WORKER, "--beat", "-s", str(log_path.with_suffix(".beat"))] if beat else CELERY_WORKER
    with running(command, env, log_path) as process:
        wait_until(alive_and(lambda: b"ready." in log_path.read_bytes(), process, log_path), 60, what="celery")
        yield process


@contextmanager
def web_server(env: dict[str, str], log_path: Path, healthy: bool = True):
    """gunicorn on a loopback port, with the image's settings, as `make run` runs it; its base URL
    once health answers (200, or any answer where the test expects it unhealthy)."""
    port = free_port()
    command = ["-m", "gunicorn", "libread_tts.wsgi", "--config", "python:libread_tts.gunicorn"]
    with running([*command, "--bind", f"127.0.0.1:{port}"], env, log_path) as process:
        statuses = (200,) if healthy else (200, 503)
        wait_for_http(f"http://127.0.0.1:{port}/api/tts/v1/tts/health", process, log_path, 60, statuses)
        yield f"http://127.0.0.1:{port}"


class PrivateRedis:
    """A Redis server of the test's own, on a free loopback port, that the test may restart."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}"

    def start(self) -> "PrivateRedis":
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "yes", "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            check=True,
        )  # fmt: skip
        wait_until(self.answers, 10, what="redis")
        return self

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, check=False)
        wait_until(lambda: not self.answers(), 10, what="redis to stop")

    def answers(self) -> bool:
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False)
        return result.stdout.strip() == b"PONG"


def api_client(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base_url}/api/tts/v1/tts", headers={"Authorization": f"Bearer {key}"}, timeout=30)
