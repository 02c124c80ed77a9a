"""Reference audio is judged by its header before anything is decoded, and no header makes the
worker decode more than TTS_REFERENCE_MAX_SECONDS: crafted files are refused, each with its own code."""

import base64
import tracemalloc

import numpy as np
import pytest

from gpu_worker import audio
from gpu_worker.testing.audio import encoded, voiced_signal, with_flac_total_frames

MAX_SECONDS = 30.0  # TTS_REFERENCE_MAX_SECONDS's default
NOTHING_DECODED = 256 * 1024  # bytes: far below any of these files decoded

# Three minutes of silence on 8 channels: 23 KB of FLAC, 92 MB as float32 samples.
EIGHT_CHANNEL_BOMB = encoded(np.zeros((16000 * 180, 8), dtype=np.int16), 16000, "FLAC", "PCM_16")
# libsndfile writes and reads FLAC at 655,350 Hz: 1 KB for half a second.
FAST_RATE = encoded(np.zeros(655350 // 2, dtype=np.int16), 655350, "FLAC", "PCM_16")
# 20 s of speech-like audio whose header claims 2**36 - 1 frames, 49 days: sized by its header, the
# read alone would ask for 275 GB.
LONG_CLAIM = with_flac_total_frames(encoded(voiced_signal(20, 16000), 16000, "FLAC"), 2**36 - 1)
AIFF = encoded(voiced_signal(6, 16000), 16000, "AIFF")
# 20 s of audio whose header says 5 s.
SHORT_CLAIM = with_flac_total_frames(encoded(voiced_signal(20, 16000), 16000, "FLAC"), 5 * 16000)

CRAFTED = [
    pytest.param(EIGHT_CHANNEL_BOMB, "too_many_channels", id="8-channel-flac-bomb"),
    pytest.param(FAST_RATE, "unsupported_sample_rate", id="655350-hz-flac"),
    pytest.param(LONG_CLAIM, "reference_too_long", id="header-overstating-its-frames"),
    pytest.param(AIFF, "unsupported_audio_format", id="aiff"),
]
TELEPHONE_RATE = pytest.param(encoded(voiced_signal(6, 8000), 8000), "unsupported_sample_rate", id="8-khz-wav")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(("reference", "code"), [*CRAFTED, TELEPHONE_RATE])
def test_a_crafted_reference_is_refused_with_its_own_code(model_server, reference, code):
    prompt = model_server.post("/voices/prompt", json={"voice_data": b64(reference)})
    inline = model_server.post("/synthesize", json={"text": "Hi.", "voice": "clone", "voice_data": b64(reference)})

    for response in (prompt, inline):
        assert response.status_code == 400
        assert response.json()["code"] == code


@pytest.mark.parametrize(("reference", "code"), CRAFTED)
def test_a_crafted_reference_is_refused_before_it_is_decoded(reference, code):
    tracemalloc.start()
    try:
        with pytest.raises(audio.AudioError) as refused:
            audio.decode_reference(reference, 1.0, MAX_SECONDS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert refused.value.code == code
    assert peak < NOTHING_DECODED


def test_a_header_understating_its_length_is_read_only_as_far_as_it_says(model_server):
    response = model_server.post("/voices/prompt", json={"voice_data": b64(SHORT_CLAIM)})

    assert response.status_code == 200
    assert response.json()["reference_seconds"] == 5.0


def test_a_transcript_over_2000_characters_is_refused(model_server):
    reference = b64(encoded(voiced_signal(6, 16000), 16000))
    transcript = "word " * 401

    prompt = model_server.post("/voices/prompt", json={"voice_data": reference, "ref_text": transcript})
    inline = model_server.post(
        "/synthesize", json={"text": "Hi.", "voice": "clone", "voice_data": reference, "ref_text": transcript}
    )

    for response in (prompt, inline):
        assert response.status_code == 400
        assert response.json()["code"] == "ref_text_too_long"
