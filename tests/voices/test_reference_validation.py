"""Each invalid reference gets its own clear 4xx, for uploads and for inline clones alike."""

import base64

import numpy as np
import pytest

from gpu_worker.testing.audio import encoded, voiced_signal

BAD_REFERENCES = [
    pytest.param(b"RIFF....WAVEfmt definitely not audio", 400, "reference_not_audio", id="not-audio"),
    pytest.param(encoded(voiced_signal(3, 16000), 16000), 400, "reference_too_short", id="too-short"),
    pytest.param(encoded(voiced_signal(31, 16000), 16000), 400, "reference_too_long", id="too-long"),
    pytest.param(encoded(voiced_signal(8, 8000), 8000), 400, "reference_sample_rate_too_low", id="8-khz"),
    pytest.param(encoded(np.zeros(16000 * 8, np.float32), 16000), 400, "reference_silent", id="silent"),
]


@pytest.mark.parametrize(("audio", "status", "code"), BAD_REFERENCES)
def test_an_upload_with_a_bad_reference_is_refused(owner, audio, status, code):
    body = {"name": "Bad", "audio_base64": base64.b64encode(audio).decode()}

    response = owner.post("/api/tts/v1/tts/voices", body, format="json")

    assert response.status_code == status
    assert response.json()["code"] == code
    assert "5-30 s of clear speech" in response.json()["error"]


@pytest.mark.parametrize(("audio", "status", "code"), BAD_REFERENCES)
def test_an_inline_clone_with_a_bad_reference_is_refused(owner, audio, status, code):
    body = {"text": "Hello.", "voice": "clone", "voice_data": base64.b64encode(audio).decode()}

    response = owner.post("/api/tts/v1/tts/jobs", body, format="json")

    assert response.status_code == status
    assert response.json()["code"] == code


@pytest.mark.parametrize("path", ["/api/tts/v1/tts/voices", "/api/tts/v1/tts/jobs"])
def test_a_reference_over_the_size_limit_is_refused_before_decoding(owner, settings, path):
    settings.TTS_VOICE_DATA_MAX_BYTES = 50_000
    audio = base64.b64encode(encoded(voiced_signal(8, 16000), 16000)).decode()  # 256 KB
    body = {"name": "Big", "audio_base64": audio, "text": "Hi.", "voice": "clone", "voice_data": audio}

    response = owner.post(path, body, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "reference_too_large"
