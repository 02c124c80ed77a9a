from dataclasses import replace

import numpy as np
import pytest

from gpu_worker.config import Settings
from gpu_worker.model import LoadedModel, PresetVoice, Segment, judge
from gpu_worker.testing.model_server import start_model_server

GOOD = np.sin(np.linspace(0, 400, 1920 * 10)).astype(np.float32) * 0.3


def test_good_audio_passes():
    assert judge(GOOD, cap=75, text="Hello there.", max_seconds_per_character=0) is None


def test_audio_that_reached_the_frame_cap_is_refused():
    assert judge(GOOD, cap=11, text="Hello there.", max_seconds_per_character=0)[0] == "frame_cap"


def test_silence_is_refused():
    assert judge(np.zeros(1920 * 10, np.float32), cap=75, text="Hi.", max_seconds_per_character=0)[0] == "silent_audio"


def test_nan_is_refused():
    samples = GOOD.copy()
    samples[100] = np.nan
    assert judge(samples, cap=75, text="Hi.", max_seconds_per_character=0)[0] == "invalid_audio"


def test_the_duration_check_is_off_by_default_and_refuses_overlong_audio_when_on():
    long_for_two_characters = np.tile(GOOD, 5)  # 4 s

    assert judge(long_for_two_characters, cap=500, text="Hi", max_seconds_per_character=0) is None
    assert judge(long_for_two_characters, cap=500, text="Hi", max_seconds_per_character=0.2)[0] == "too_long"


def test_a_segment_that_keeps_hitting_the_cap_is_retried_once_then_reported(tiny_checkpoints):
    settings = replace(Settings.from_env(), min_new_tokens=3, max_new_tokens=3)
    model = LoadedModel.load(str(tiny_checkpoints["custom_voice"]), settings)

    result = model.synthesize(PresetVoice("ryan"), "english", [Segment(4, "Hello world.")], seed=11)

    (outcome,) = result.outcomes
    assert outcome.index == 4
    assert outcome.samples is None
    assert outcome.code == "frame_cap"
    assert outcome.attempts == 2


@pytest.fixture(scope="module")
def capped_server(tiny_checkpoints, tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("TTS_MIN_NEW_TOKENS", "3")
    monkeypatch_module.setenv("TTS_MAX_NEW_TOKENS", "3")
    yield from start_model_server(
        tmp_path_factory.mktemp("capped"), None, tiny_checkpoints["custom_voice"], tiny_checkpoints
    )


def test_the_seed_form_reports_a_failed_segment_as_an_error_not_as_audio(capped_server):
    response = capped_server.post("/synthesize", json={"text": "Hello world."})

    assert response.status_code == 500
    answer = response.json()
    assert answer["status"] == "error"
    assert answer["code"] == "frame_cap"
    assert "audio" not in answer


def test_the_batch_form_reports_each_failed_segment(capped_server):
    response = capped_server.post("/synthesize", json={"segments": [{"index": 0, "text": "Hello."}]})

    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "error"
    assert answer["segments"] == [
        {
            "index": 0,
            "status": "error",
            "error": "generation reached its cap of 3 frames without ending",
            "code": "frame_cap",
            "attempts": 2,
        }
    ]
