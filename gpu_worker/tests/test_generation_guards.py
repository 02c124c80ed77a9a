from dataclasses import replace

import numpy as np
import pytest

from gpu_worker.config import Settings
from gpu_worker.decoders import BATCHED, GRAPHS
from gpu_worker.model import LoadedModel, judge
from gpu_worker.testing.eager_graphs import eager_cuda_graphs
from gpu_worker.testing.model_server import start_model_server
from gpu_worker.voices import PresetVoice, Utterance

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


@pytest.mark.parametrize("decoder", [GRAPHS, BATCHED])
def test_a_segment_that_keeps_hitting_the_cap_is_retried_once_then_reported(tiny_checkpoints, decoder):
    settings = replace(Settings.from_env(), min_new_tokens=3, max_new_tokens=3, decoder=decoder, graph_max_seq_len=256)
    with eager_cuda_graphs():
        model = LoadedModel.load(str(tiny_checkpoints["custom_voice"]), settings)
        result = model.synthesize([Utterance("Hello world.", PresetVoice("ryan"), "english")], seed=11, decoder=decoder)

    (outcome,) = result.outcomes
    assert outcome.decoder == decoder
    assert outcome.samples is None
    assert outcome.code == "frame_cap"
    assert outcome.attempts == 2


def test_a_segment_whose_prompt_and_cap_do_not_fit_the_static_cache_is_decoded_batched(tiny_checkpoints):
    settings = replace(Settings.from_env(), decoder=GRAPHS, graph_max_seq_len=256)
    with eager_cuda_graphs():
        model = LoadedModel.load(str(tiny_checkpoints["custom_voice"]), settings)
        short, long = (Utterance(text, PresetVoice("ryan"), "english") for text in ("Hi.", "The rain fell. " * 30))
        short_outcome = model.synthesize([short], seed=3, decoder=GRAPHS).outcomes[0]
        long_outcome = model.synthesize([long], seed=3, decoder=GRAPHS).outcomes[0]

    assert model.frame_cap(short.text) + model.graphs.prompt_bound(short) <= 256
    assert model.frame_cap(long.text) > 256
    assert (short_outcome.decoder, long_outcome.decoder) == (GRAPHS, BATCHED)


@pytest.fixture(scope="module", params=[GRAPHS, BATCHED])
def capped_server(request, tiny_checkpoints, tmp_path_factory):
    yield from start_model_server(
        tmp_path_factory.mktemp(f"capped-{request.param}"),
        None,
        tiny_checkpoints["custom_voice"],
        tiny_checkpoints,
        decoder=request.param,
        TTS_MIN_NEW_TOKENS="3",
        TTS_MAX_NEW_TOKENS="3",
    )


def test_the_single_text_form_reports_a_failed_segment_as_an_error_not_as_audio(capped_server):
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
            "decoder": capped_server.decoder,
            "batch_size": 1,
        }
    ]
