from dataclasses import dataclass

import pytest
from django.core.cache import cache

from accounts.recent import recent
from engines import local as local_engine
from engines import vastai as vastai_engine
from gpu_worker.testing.processes import alive_and, free_port, running, wait_until, worker_python
from gpu_worker.testing.pyworker import pyworker_env
from libread_tts.celery import app as celery_app
from tests.support.fake_vast import ACCOUNT_KEY, ENDPOINT_ID, FakeVast
from tests.support.service import client_for
from tests.support.stack import celery_worker, service_env
from tests.support.worker_tap import WorkerTap

pytest_plugins = ["gpu_worker.testing.fixtures"]

# What the Celery worker process and this test process use for Vast.ai: short timeouts, so the
# fault tests run in seconds.
VASTAI_TEST_SETTINGS = {
    "VASTAI_API_KEY": ACCOUNT_KEY,
    "VASTAI_ENDPOINT_ID": str(ENDPOINT_ID),
    "VASTAI_WORKER_TIMEOUT": "5",
    "VASTAI_POLL_MAX_INTERVAL": "0.5",
}


@dataclass
class VastStack:
    fake: FakeVast
    tap: WorkerTap  # between the PyWorker and the model server


@pytest.fixture(scope="session")
def vast_stack(model_server, tmp_path_factory):
    """The real PyWorker, signature check on, behind a fake route service, before the model server."""
    fake = FakeVast().start()
    tap = WorkerTap(model_server.url).start()
    directory = tmp_path_factory.mktemp("vast-worker")
    worker_port = free_port()
    env = pyworker_env(worker_port, tap.port, model_server.model_log, fake.url, benchmark_runs=1)
    log_path = directory / "pyworker.out"
    with running(["-m", "gpu_worker.worker"], env, log_path, cwd=directory, python=worker_python()) as worker:
        wait_until(alive_and(fake.statuses_ready, worker, log_path), 180, what="the PyWorker to be ready")
        fake.worker_url = f"http://127.0.0.1:{worker_port}"
        yield VastStack(fake, tap)
    tap.stop()
    fake.stop()


@pytest.fixture
def vast(vast_stack, settings):
    """The Vast.ai stack, reset, with this process configured for it."""
    vast_stack.fake.reset()
    vast_stack.tap.reset()
    for name, value in VASTAI_TEST_SETTINGS.items():
        setattr(settings, name, type(getattr(settings, name))(value))
    settings.VASTAI_ROUTE_URL = settings.VASTAI_CONSOLE_URL = vast_stack.fake.url
    settings.VASTAI_ENDPOINT_NAME = ""
    vastai_engine._endpoint_cache.clear()
    return vast_stack


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, worker_tap, vast_stack, tmp_path_factory):
    """A real Celery worker on the test database and broker, with both engines' workers."""
    with django_db_blocker.unblock():
        env = service_env(
            GPU_WORKER_URL=worker_tap.url,
            VASTAI_ROUTE_URL=vast_stack.fake.url,
            VASTAI_CONSOLE_URL=vast_stack.fake.url,
            **VASTAI_TEST_SETTINGS,
        )
    celery_app.control.purge()
    with celery_worker(env, tmp_path_factory.mktemp("celery") / "worker.out") as process:
        yield process


@pytest.fixture
def live_worker(celery_worker_process, gpu_worker, transactional_db):
    """For end-to-end tests: committed data, a Celery worker, and the GPU worker's tap."""
    return gpu_worker


@pytest.fixture
def owner(db):
    """An API client with a key of the account that owns what the test makes."""
    return client_for("owner")


@pytest.fixture
def stranger(db):
    """An API client of another account."""
    return client_for("stranger")


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


@pytest.fixture(autouse=True)
def rate_limits_and_keys_start_fresh():
    """Rate-limit counters live in the cache (its own Redis database in CI), keys and the local
    worker's health in this process's memory for a while; none carry over from one test to the next."""
    cache.clear()
    recent.clear()
    local_engine._health_cache.clear()


@pytest.fixture(scope="session")
def vast_console_server():
    fake = FakeVast().start()
    yield fake
    fake.stop()


@pytest.fixture
def vast_console(vast_console_server, settings):
    """A fake Vast.ai console alone (no workers), reset, with this process's account key set for it."""
    vast_console_server.reset()
    settings.VASTAI_API_KEY = ACCOUNT_KEY
    settings.VASTAI_CONSOLE_URL = settings.VASTAI_ROUTE_URL = vast_console_server.url
    return vast_console_server
