"""The local engine against the real model server: the seam every engine implements."""

import io

import pytest
import soundfile as sf

from engines.base import Batch, BatchVoice, EngineError, SegmentText, WorkerNotReady
from engines.local import LocalEngine
from engines.registry import get_engine
from gpu_worker.testing.audio import encoded, voiced_signal

pytestmark = pytest.mark.django_db

REFERENCE = encoded(voiced_signal(6, 16000), 16000)


def test_a_batch_comes_back_as_one_wav_per_segment(gpu_worker):
    batch = Batch(
        [SegmentText(3, "Hello there."), SegmentText(4, "And again.")], "english", BatchVoice("serena"), seed=1
    )

    result = get_engine("local").synthesize(batch)

    assert [segment.index for segment in result.segments] == [3, 4]
    for segment in result.segments:
        info = sf.info(io.BytesIO(segment.wav))
        assert info.samplerate == 24000
        assert info.frames / 24000 == pytest.approx(segment.duration, abs=0.001)
    assert result.call.instance_id == "test-instance-7"
    assert result.call.model.endswith("custom_voice")
    assert result.call.http_status == 200
    assert result.call.latency > 0
    assert result.gpu_seconds > 0


def test_a_clone_sends_its_prompt(gpu_worker):
    prompt = get_engine("local").build_voice_prompt(REFERENCE, "What I said.")
    batch = Batch([SegmentText(0, "In my voice.")], "auto", BatchVoice("clone", prompt=prompt.data), seed=2)

    result = get_engine("local").synthesize(batch)

    assert result.segments[0].wav
    assert "voice_prompt" in gpu_worker.synthesis_requests()[0]["body"]


def test_a_voice_prompt_is_built_for_the_clone_model(gpu_worker):
    prompt = get_engine("local").build_voice_prompt(REFERENCE, "What I said.")

    assert prompt.mode == "icl"
    assert prompt.model.endswith("base")
    assert len(prompt.data) > 100


def test_a_refusal_is_a_permanent_error(gpu_worker):
    batch = Batch([SegmentText(0, "Hi.")], "english", BatchVoice("nobody"), seed=1)

    with pytest.raises(EngineError, match="unknown voice") as raised:
        get_engine("local").synthesize(batch)
    assert not isinstance(raised.value, WorkerNotReady)


def test_an_unreachable_worker_is_not_ready_yet():
    batch = Batch([SegmentText(0, "Hi.")], "english", BatchVoice("ryan"), seed=1)

    with pytest.raises(WorkerNotReady):
        LocalEngine("http://127.0.0.1:9").synthesize(batch)
