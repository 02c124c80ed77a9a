import time

import pytest

from gpu_worker.testing.model_server import model_server_env, start_model_server
from gpu_worker.testing.processes import alive_and, free_port, running, wait_until
from gpu_worker.testing.pyworker import INSTANCE_ID, pyworker_env
from gpu_worker.testing.tap import RecordingProxy
from gpu_worker.testing.vast_report import VastReportService

pytest_plugins = ["gpu_worker.testing.fixtures"]

SECONDS_BEFORE_MODEL_STARTS = 2
MODEL_SERVER_TOKEN = "test-model-server-token"
PYWORKER_MAX_BODY_BYTES = 1024 * 1024


@pytest.fixture(scope="session", params=["graphs", "batched"])
def model_server(request, tiny_checkpoints, tmp_path_factory):
    """A model server with both tiny models, presets and cloning, on each decoder in turn."""
    yield from start_model_server(
        tmp_path_factory.mktemp(f"model-server-{request.param}"),
        tiny_checkpoints["base"],
        tiny_checkpoints["custom_voice"],
        tiny_checkpoints,
        decoder=request.param,
    )


@pytest.fixture(scope="session")
def vast():
    fake = VastReportService().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def pyworker(vast, tiny_checkpoints, tmp_path_factory):
    """The real PyWorker, started before its model server as on a cold Vast.ai instance, as on Vast:
    the model server takes a token, the PyWorker caps bodies. A proxy between them records what
    reaches the model server."""
    directory = tmp_path_factory.mktemp("pyworker")
    worker_port, model_port = free_port(), free_port()
    model_url = f"http://127.0.0.1:{model_port}"
    model_log = directory / "model.log"
    model_env = {
        **model_server_env(model_port, model_log, tiny_checkpoints["base"], tiny_checkpoints["custom_voice"]),
        "CONTAINER_ID": INSTANCE_ID,  # one Vast.ai instance: the model server and the PyWorker share it
        "GPU_WORKER_TOKEN": MODEL_SERVER_TOKEN,
    }
    proxy = RecordingProxy(model_url).start()
    worker_env = pyworker_env(
        worker_port,
        proxy.port,
        model_log,
        vast.url,
        benchmark_runs=2,
        GPU_WORKER_TOKEN=MODEL_SERVER_TOKEN,
        TTS_MAX_BODY_BYTES=str(PYWORKER_MAX_BODY_BYTES),
    )
    worker_log = directory / "pyworker.out"
    with running(["-m", "gpu_worker.worker"], worker_env, worker_log, cwd=directory) as worker:
        # The worker is up and reporting, with no model behind it yet.
        wait_until(alive_and(lambda: vast.worker_statuses, worker, worker_log), 60, what="a first report")
        time.sleep(SECONDS_BEFORE_MODEL_STARTS)
        statuses_before_model = list(vast.worker_statuses)
        with running(["-m", "gpu_worker.server"], model_env, directory / "server.out"):
            ready = alive_and(vast.statuses_ready, worker, worker_log)
            wait_until(ready, timeout=240, interval=0.5, what="the worker to report ready")
            yield {
                "url": f"http://127.0.0.1:{worker_port}",
                "http_url": f"http://127.0.0.1:{worker_env['WORKER_HTTP_PORT']}",
                "model_server_url": model_url,
                "proxy": proxy,
                "token": MODEL_SERVER_TOKEN,
                "max_body_bytes": PYWORKER_MAX_BODY_BYTES,
                "statuses_before_model": statuses_before_model,
                "directory": directory,
            }
    proxy.stop()
