"""The real vastai PyWorker, signature check on, in front of the real model server, on loopback."""

import base64

import httpx
from Crypto.PublicKey import RSA

from gpu_worker.testing.audio import reference_base64, wav_info
from gpu_worker.testing.pyworker import INSTANCE_ID, signed_post


def test_readiness_waits_for_the_model(vast, pyworker):
    assert pyworker["statuses_before_model"], "the worker reports its state while the model is not up"
    assert all(status["max_perf"] == 0 for status in pyworker["statuses_before_model"])
    assert vast.statuses_ready()[0]["max_perf"] > 0


def test_the_benchmark_result_is_cached_beside_the_worker(pyworker):
    assert float((pyworker["directory"] / ".has_benchmark").read_text()) > 0


def test_a_signed_envelope_gets_audio_back(vast, pyworker):
    response = signed_post(
        vast, pyworker["url"], "/synthesize", {"text": "Hello from Vast.", "language": "English", "voice": "default"}
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "success"
    assert answer["instance_id"] == INSTANCE_ID
    info = wav_info(base64.b64decode(answer["audio"]))
    assert (info.subtype, info.channels, info.samplerate) == ("PCM_16", 1, 24000)


def test_a_clone_prompt_can_be_built_through_the_worker(vast, pyworker):
    response = signed_post(
        vast, pyworker["url"], "/voices/prompt", {"voice_data": reference_base64(), "ref_text": "Words."}
    )

    assert response.status_code == 200
    assert response.json()["mode"] == "icl"


def test_a_forged_signature_gets_401(vast, pyworker):
    forger = RSA.generate(2048)

    response = signed_post(vast, pyworker["url"], "/synthesize", {"text": "Let me in."}, key=forger)

    assert response.status_code == 401


def test_an_envelope_missing_auth_fields_gets_422(pyworker):
    response = httpx.post(pyworker["url"] + "/synthesize", json={"auth_data": {}, "payload": {"text": "Hi."}})

    assert response.status_code == 422


def test_model_server_refusals_pass_through(vast, pyworker):
    response = signed_post(vast, pyworker["url"], "/synthesize", {"text": "Hi.", "language": "Klingon"})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_language"
