"""The real vastai PyWorker, signature check on, in front of the real model server, on loopback."""

import base64
import time

import httpx
import pytest
from Crypto.PublicKey import RSA

from gpu_worker.testing.audio import reference_base64, wav_info
from gpu_worker.testing.model_server import model_server_env
from gpu_worker.testing.processes import alive_and, free_port, running, wait_until
from gpu_worker.testing.pyworker import INSTANCE_ID, pyworker_env
from gpu_worker.testing.vast_report import VastReportService

SECONDS_BEFORE_MODEL_STARTS = 2


@pytest.fixture(scope="module")
def vast():
    fake = VastReportService().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def pyworker(vast, tiny_checkpoints, tmp_path_factory):
    """A PyWorker started before its model server, as on a cold Vast.ai instance."""
    directory = tmp_path_factory.mktemp("pyworker")
    worker_port, model_port = free_port(), free_port()
    model_log = directory / "model.log"
    model_env = {
        **model_server_env(model_port, model_log, tiny_checkpoints["base"], tiny_checkpoints["custom_voice"]),
        "CONTAINER_ID": INSTANCE_ID,  # one Vast.ai instance: the model server and the PyWorker share it
    }
    worker_env = pyworker_env(worker_port, model_port, model_log, vast.url, benchmark_runs=2)
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
                "statuses_before_model": statuses_before_model,
                "directory": directory,
            }


def call(vast, pyworker, route: str, payload: dict, key=None) -> httpx.Response:
    auth_data = vast.auth_data(pyworker["url"], cost=len(payload.get("text", "")), key=key)
    return httpx.post(pyworker["url"] + route, json={"auth_data": auth_data, "payload": payload}, timeout=120)


def test_readiness_waits_for_the_model(vast, pyworker):
    assert pyworker["statuses_before_model"], "the worker reports its state while the model is not up"
    assert all(status["max_perf"] == 0 for status in pyworker["statuses_before_model"])
    assert vast.statuses_ready()[0]["max_perf"] > 0


def test_the_benchmark_result_is_cached_beside_the_worker(pyworker):
    assert float((pyworker["directory"] / ".has_benchmark").read_text()) > 0


def test_a_signed_envelope_gets_audio_back(vast, pyworker):
    response = call(
        vast, pyworker, "/synthesize", {"text": "Hello from Vast.", "language": "English", "voice": "default"}
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "success"
    assert answer["instance_id"] == INSTANCE_ID
    info = wav_info(base64.b64decode(answer["audio"]))
    assert (info.subtype, info.channels, info.samplerate) == ("PCM_16", 1, 24000)


def test_a_clone_prompt_can_be_built_through_the_worker(vast, pyworker):
    response = call(vast, pyworker, "/voices/prompt", {"voice_data": reference_base64(), "ref_text": "Words."})

    assert response.status_code == 200
    assert response.json()["mode"] == "icl"


def test_a_forged_signature_gets_401(vast, pyworker):
    forger = RSA.generate(2048)

    response = call(vast, pyworker, "/synthesize", {"text": "Let me in."}, key=forger)

    assert response.status_code == 401


def test_an_envelope_missing_auth_fields_gets_422(pyworker):
    response = httpx.post(pyworker["url"] + "/synthesize", json={"auth_data": {}, "payload": {"text": "Hi."}})

    assert response.status_code == 422


def test_model_server_refusals_pass_through(vast, pyworker):
    response = call(vast, pyworker, "/synthesize", {"text": "Hi.", "language": "Klingon"})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_language"
