import os

import pytest
from django.conf import settings

from libread_tts.celery import app as celery_app
from tests.support.processes import alive_and, running, wait_until
from tests.support.service import worker_database_url
from tests.support.worker_tap import WorkerTap


@pytest.fixture(scope="session")
def worker_tap(model_server):
    tap = WorkerTap(model_server.url).start()
    yield tap
    tap.stop()


@pytest.fixture
def gpu_worker(worker_tap, settings):
    """The real model server behind a recording tap, as this process's GPU_WORKER_URL."""
    worker_tap.reset()
    settings.GPU_WORKER_URL = worker_tap.url
    return worker_tap


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, worker_tap, tmp_path_factory):
    """A real Celery worker on the test database and broker, with the tap as its GPU worker."""
    with django_db_blocker.unblock():
        database_url = worker_database_url()
    celery_app.control.purge()
    log_path = tmp_path_factory.mktemp("celery") / "worker.out"
    env = {
        "DJANGO_SETTINGS_MODULE": "libread_tts.test_settings",
        "DATABASE_URL": database_url,
        "GPU_WORKER_URL": worker_tap.url,
        "TTS_VAR_DIR": os.environ.get("TTS_VAR_DIR", str(settings.VAR_DIR)),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    command = ["-m", "celery", "-A", "libread_tts", "worker", "-Q", "synthesis,default", "-c", "2", "-l", "info"]
    with running(command, env, log_path) as process:
        wait_until(alive_and(lambda: b"ready." in log_path.read_bytes(), process, log_path), 60, what="celery")
        yield process


@pytest.fixture
def live_worker(celery_worker_process, gpu_worker, transactional_db):
    """For end-to-end tests: committed data, a Celery worker, and the GPU worker's tap."""
    return gpu_worker
