"""References made to cost more to decode than they weigh, or to lie about themselves, are refused
from their header, each with its own code, before more than 30 s of audio is decoded."""

import base64
import tracemalloc

import pytest

from gpu_worker.testing.audio import encoded, voiced_signal
from gpu_worker.testing.crafted_audio import aiff_reference, silent_flac, wav_claiming_frames
from voices.validation import validate_reference

# 30 s of 48 kHz stereo as float32 is 11.5 MB; the check may hold a few such buffers, no more.
DECODE_BUDGET_BYTES = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def crafted() -> dict[str, bytes]:
    return {
        "eight_channels": silent_flac(15 * 60, channels=8),  # 464 KB, 2.6 GB once decoded
        "a_quarter_hour": silent_flac(15 * 60, channels=2),
        "655350_hz": silent_flac(30, channels=1, sample_rate=655_350),
        "aiff": aiff_reference(),
    }


REFUSALS = [
    pytest.param("eight_channels", "reference_too_many_channels", id="8-channel-flac-bomb"),
    pytest.param("a_quarter_hour", "reference_too_long", id="15-minute-flac-bomb"),
    pytest.param("655350_hz", "reference_sample_rate_too_high", id="655350-hz-flac"),
    pytest.param("aiff", "reference_format_not_accepted", id="aiff"),
]


@pytest.mark.parametrize(("name", "code"), REFUSALS)
def test_a_crafted_upload_is_refused_with_its_own_code(owner, crafted, name, code):
    body = {"name": "Crafted", "audio_base64": base64.b64encode(crafted[name]).decode()}

    response = owner.post("/api/tts/v1/tts/voices", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not owner.account.voices.exists()


@pytest.mark.parametrize(("name", "code"), REFUSALS)
def test_a_crafted_inline_clone_is_refused_with_its_own_code(owner, crafted, name, code):
    body = {"text": "Hello.", "voice": "clone", "voice_data": base64.b64encode(crafted[name]).decode()}

    response = owner.post("/api/tts/v1/tts/jobs", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.parametrize(("name", "code"), REFUSALS)
def test_refusing_a_crafted_reference_decodes_almost_nothing(crafted, name, code):
    tracemalloc.start()
    try:
        with pytest.raises(Exception, match="send 5-30 s") as refusal:
            validate_reference(crafted[name])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert refusal.value.code == code
    assert peak < 2 * len(crafted[name]) + 1024 * 1024


def test_a_header_that_claims_fewer_frames_than_the_file_holds_is_decoded_only_as_far_as_it_claims():
    lying = wav_claiming_frames(200, claimed_frames=16000 * 10)  # 200 s of speech, 10 s in the header

    tracemalloc.start()
    try:
        reference = validate_reference(lying)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert reference.duration == 10.0
    assert peak < DECODE_BUDGET_BYTES


def test_a_reference_above_48_khz_is_stored_at_48_khz():
    audio = encoded(voiced_signal(6, 96000), 96000, "FLAC")

    reference = validate_reference(audio)

    assert reference.sample_rate == 48000
    assert reference.duration == 6.0
    assert abs(len(reference.wav) - 44 - 6 * 48000 * 2) <= 64
