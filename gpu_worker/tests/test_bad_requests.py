import base64

import numpy as np
import pytest

from gpu_worker.testing.audio import encoded, reference_base64

SILENCE = base64.b64encode(encoded(np.zeros(16000 * 6, dtype=np.float32), 16000)).decode()

BAD_SYNTHESIS_REQUESTS = [
    pytest.param({"text": 42}, 400, "invalid_text", id="text-not-a-string"),
    pytest.param({"text": "   "}, 400, "invalid_text", id="blank-text"),
    pytest.param({}, 400, "invalid_text", id="no-text"),
    pytest.param({"text": "a", "segments": [{"index": 0, "text": "b"}]}, 400, "invalid_text", id="text-and-segments"),
    pytest.param({"text": "x" * 5001}, 413, "text_too_long", id="text-over-max-length"),
    pytest.param({"segments": []}, 400, "invalid_segments", id="no-segments"),
    pytest.param({"segments": [{"text": "no index"}]}, 400, "invalid_segments", id="segment-without-index"),
    pytest.param(
        {"segments": [{"index": 1, "text": "a"}, {"index": 1, "text": "b"}]},
        400,
        "invalid_segments",
        id="duplicate-segment-index",
    ),
    pytest.param({"segments": [{"index": 0, "text": 3}]}, 400, "invalid_text", id="segment-text-not-a-string"),
    pytest.param({"segments": [{"index": i, "text": "a"} for i in range(65)]}, 413, "too_many_segments", id="65-segs"),
    pytest.param({"text": "Hi.", "language": "Klingon"}, 400, "unknown_language", id="unknown-language"),
    pytest.param({"text": "Hi.", "voice": "Morgan_Freeman"}, 400, "unknown_voice", id="unknown-speaker"),
    pytest.param({"text": "Hi.", "voice": 3}, 400, "invalid_voice", id="voice-not-a-string"),
    pytest.param({"text": "Hi.", "voice": "clone"}, 400, "missing_voice_data", id="clone-without-voice-data"),
    pytest.param(
        {"text": "Hi.", "voice": "clone", "voice_data": "not base64!"}, 400, "invalid_reference_audio", id="bad-b64"
    ),
    pytest.param(
        {"text": "Hi.", "voice": "clone", "voice_data": base64.b64encode(b"RIFF\0\0\0\0WAVE, but not audio").decode()},
        400,
        "invalid_reference_audio",
        id="undecodable-audio",
    ),
    pytest.param(
        {"text": "Hi.", "voice": "clone", "voice_data": reference_base64(seconds=0.5)},
        400,
        "reference_too_short",
        id="reference-too-short",
    ),
    pytest.param(
        {"text": "Hi.", "voice": "clone", "voice_data": reference_base64(seconds=31)},
        400,
        "reference_too_long",
        id="reference-too-long",
    ),
    pytest.param(
        {"text": "Hi.", "voice": "clone", "voice_data": SILENCE}, 400, "invalid_reference_audio", id="silent-reference"
    ),
    pytest.param(
        {"text": "Hi.", "voice": "clone", "voice_data": reference_base64(), "instruct": "Shout."},
        400,
        "invalid_instruct",
        id="instruct-with-clone",
    ),
    pytest.param({"text": "Hi.", "voice_prompt": "AAAA"}, 400, "invalid_voice_prompt", id="garbage-prompt"),
    pytest.param({"text": "Hi.", "seed": -1}, 400, "invalid_seed", id="negative-seed"),
    pytest.param({"text": "Hi.", "first_audio": "yes"}, 400, "invalid_first_audio", id="first-audio-not-a-bool"),
    pytest.param(["text"], 400, "invalid_json", id="body-not-an-object"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_SYNTHESIS_REQUESTS)
def test_a_bad_synthesis_request_gets_a_clear_4xx(model_server, body, status, code):
    response = model_server.post("/synthesize", json=body)

    assert response.status_code == status
    answer = response.json()
    assert answer["status"] == "error"
    assert answer["code"] == code
    assert answer["error"]


def test_malformed_json_gets_a_400(model_server):
    response = model_server.post(
        "/synthesize", content=b'{"text": "unterminated', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == {"status": "error", "error": "the request body is not valid JSON", "code": "invalid_json"}


def test_the_reference_length_error_says_what_is_expected(model_server):
    response = model_server.post("/voices/prompt", json={"voice_data": reference_base64(seconds=0.5)})

    assert response.status_code == 400
    assert response.json()["error"] == "reference audio is 0.5 s long; it must be between 1 and 30 s"


def test_a_prompt_request_without_audio_gets_a_400(model_server):
    response = model_server.post("/voices/prompt", json={"ref_text": "words"})

    assert response.status_code == 400
    assert response.json()["code"] == "missing_voice_data"


def test_unknown_paths_and_methods_answer_in_the_same_shape(model_server):
    assert model_server.post("/nowhere", json={}).json()["code"] == "not_found"
    assert model_server.post("/health", json={}).json()["code"] == "method_not_allowed"
