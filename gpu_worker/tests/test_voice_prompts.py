import base64
import io

import torch

from gpu_worker.testing.audio import reference_base64


def build_prompt(model_server, **extra) -> dict:
    response = model_server.post("/voices/prompt", json={"voice_data": reference_base64(), **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_prompt_is_a_serialised_dict_of_tensors_tagged_with_its_model(model_server):
    answer = build_prompt(model_server, ref_text="What the reader said.")

    assert answer["model"] == str(model_server.checkpoints["base"])
    assert answer["mode"] == "icl"
    stored = torch.load(io.BytesIO(base64.b64decode(answer["prompt"])), weights_only=True)
    assert stored["model"] == answer["model"]
    assert stored["ref_spk_embedding"].dtype == torch.float32
    assert stored["ref_code"].dim() == 2


def test_a_prompt_without_a_transcript_is_speaker_embedding_only(model_server):
    answer = build_prompt(model_server)

    assert answer["mode"] == "x_vector"
    stored = torch.load(io.BytesIO(base64.b64decode(answer["prompt"])), weights_only=True)
    assert stored["ref_code"] is None


def test_a_stored_prompt_speaks_in_place_of_reference_audio(model_server):
    prompt = build_prompt(model_server, ref_text="What the reader said.")["prompt"]

    response = model_server.post(
        "/synthesize", json={"segments": [{"index": 0, "text": "Again, please."}], "voice_prompt": prompt}
    )

    assert response.status_code == 200
    assert response.json()["segments"][0]["status"] == "success"


def test_a_prompt_from_another_model_is_refused_so_the_caller_rebuilds_it(model_server):
    stored = torch.load(io.BytesIO(base64.b64decode(build_prompt(model_server)["prompt"])), weights_only=True)
    stored["model"] = "Qwen/Qwen3-TTS-12Hz-0.6B-Base"
    buffer = io.BytesIO()
    torch.save(stored, buffer)

    response = model_server.post(
        "/synthesize", json={"text": "Hello.", "voice_prompt": base64.b64encode(buffer.getvalue()).decode()}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "prompt_model_mismatch"
    assert "POST /voices/prompt" in response.json()["error"]
