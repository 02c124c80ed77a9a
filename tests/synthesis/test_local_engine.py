"""The local engine against the real model server: the seam every engine implements."""

import io
import logging
from contextlib import contextmanager

import pytest
import soundfile as sf

from engines.base import Batch, BatchVoice, EngineError, SegmentText, WorkerNotReady
from engines.local import LocalEngine
from engines.registry import get_engine
from gpu_worker.testing.audio import encoded, voiced_signal
from gpu_worker.testing.model_server import start_model_server
from gpu_worker.testing.pyworker import INSTANCE_ID
from gpu_worker.testing.tap import RecordingProxy
from synthesis import dispatch, intake
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db

REFERENCE = encoded(voiced_signal(6, 16000), 16000)
TOKEN = "local-engine-test-token"
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def guarded_worker(tiny_checkpoints, tmp_path_factory):
    """A model server started with GPU_WORKER_TOKEN, behind a proxy that records what reaches it."""
    directory = tmp_path_factory.mktemp("guarded-model-server")
    with contextmanager(start_model_server)(
        directory, None, tiny_checkpoints["custom_voice"], tiny_checkpoints, GPU_WORKER_TOKEN=TOKEN
    ) as server:
        proxy = RecordingProxy(server.url).start()
        yield proxy
        proxy.stop()


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
    assert result.call.instance_id == INSTANCE_ID
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
        LocalEngine(UNREACHABLE).synthesize(batch)


def test_the_engine_sends_the_model_servers_token_on_every_request(guarded_worker, settings):
    settings.GPU_WORKER_TOKEN = TOKEN
    engine = LocalEngine(guarded_worker.url)
    batch = Batch([SegmentText(0, "With my token.")], "english", BatchVoice("ryan"), seed=1)

    health = engine.health()
    result = engine.synthesize(batch)

    assert health["ready"] is True
    assert result.segments[0].wav
    sent = guarded_worker.recorded()[-2:]
    assert [(request["method"], request["path"]) for request in sent] == [("GET", "/health"), ("POST", "/synthesize")]
    assert {request["headers"]["Authorization"] for request in sent} == {f"Bearer {TOKEN}"}


@pytest.mark.parametrize("token", ["", "another-token"])
def test_without_the_token_the_model_server_refuses_the_work(guarded_worker, settings, token):
    settings.GPU_WORKER_TOKEN = token
    batch = Batch([SegmentText(0, "Let me in.")], "english", BatchVoice("ryan"), seed=1)

    with pytest.raises(EngineError, match=r"refused the request \(401\)") as raised:
        LocalEngine(guarded_worker.url).synthesize(batch)
    assert not isinstance(raised.value, WorkerNotReady)


def test_a_job_waiting_for_an_unreachable_worker_does_not_show_its_address(owner, settings, caplog):
    caplog.set_level(logging.INFO, logger="engines.local")
    settings.GPU_WORKER_URL = UNREACHABLE
    settings.TTS_COLD_START_POLL_WINDOW = 0.1
    job = intake.job_create(account=owner.account, text="Is anybody there?", engine="local")

    dispatch.job_dispatch_next_batch(job_id=job.pk)

    answer = owner.get(f"{JOBS}/{job.public_id}").json()
    assert answer["status"] == "queued"
    assert "not reachable" in answer["message"]
    assert "127.0.0.1:9" not in str(answer)
    assert UNREACHABLE in caplog.text  # the operator's log names it
