import httpx
import pytest

from gpu_worker.testing.audio import reference_base64
from gpu_worker.testing.model_server import model_server_env, start_model_server
from gpu_worker.testing.processes import free_port, running, worker_python


@pytest.fixture(scope="module")
def clone_only_server(tiny_checkpoints, tmp_path_factory):
    """A worker started offline with one local directory and no preset model."""
    yield from start_model_server(
        tmp_path_factory.mktemp("clone-only"), tiny_checkpoints["base"], None, tiny_checkpoints
    )


def test_it_starts_with_the_one_model_it_was_given(clone_only_server):
    models = httpx.get(clone_only_server.url + "/health").json()["models"]

    assert [model["type"] for model in models] == ["base"]


@pytest.mark.parametrize("voice", ["default", "ryan"])
def test_a_preset_request_names_the_model_that_would_serve_it(clone_only_server, voice):
    response = clone_only_server.post("/synthesize", json={"text": "Hello.", "voice": voice})

    assert response.status_code == 400
    assert response.json()["code"] == "model_not_loaded"
    assert "TTS_PRESET_MODEL" in response.json()["error"]


def test_cloning_still_works(clone_only_server):
    response = clone_only_server.post(
        "/synthesize", json={"text": "Hello.", "voice": "clone", "voice_data": reference_base64()}
    )

    assert response.status_code == 200


def test_without_cuda_auto_decodes_every_call_batched(clone_only_server):
    health = httpx.get(clone_only_server.url + "/health").json()

    assert health["decoder"] == "auto"
    assert [model["decoders"] for model in health["models"]] == [["batched"]]


def test_graphs_without_cuda_refuses_to_start_and_says_why(tiny_checkpoints, tmp_path):
    model_log = tmp_path / "model.log"
    env = {**model_server_env(free_port(), model_log, None, tiny_checkpoints["custom_voice"]), "TTS_DECODER": "graphs"}

    with running(["-m", "gpu_worker.server"], env, tmp_path / "server.out", python=worker_python()) as server:
        server.wait(timeout=120)

    assert server.returncode == 1
    assert model_log.read_text().startswith("gpu_worker failed to start: RuntimeError: TTS_DECODER=graphs")
