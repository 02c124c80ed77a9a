import pytest

from tests.support.model_server import build_tiny_checkpoints, start_model_server
from tests.support.service import client_for
from tests.support.worker_tap import WorkerTap


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory):
    return build_tiny_checkpoints(tmp_path_factory.mktemp("checkpoints"))


@pytest.fixture(scope="session")
def model_server(tiny_checkpoints, tmp_path_factory):
    """A model server with both tiny models: presets and cloning."""
    yield from start_model_server(
        tmp_path_factory.mktemp("model-server"),
        tiny_checkpoints["base"],
        tiny_checkpoints["custom_voice"],
        tiny_checkpoints,
    )


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
