"""The segment cache: audio already made for the same text, voice, model and language is served
from storage instead of the GPU, billed at no cost, and never across accounts for stored voices."""

import shutil

import pytest

from accounts.services import account_get_or_create
from billing.models import UsageRecord
from engines.models import WorkerRequest
from gpu_worker.testing.audio import encoded, voiced_signal
from gpu_worker.testing.model_server import start_model_server
from synthesis import intake
from synthesis.models import SynthesisJob
from synthesis.tasks import synthesize_job
from tests.support.service import JOBS, wait_for_job
from voices.models import Voice
from voices.services import voice_create
from voices.tasks import build_voice_prompt
from voices.validation import validate_reference

CHAPTER = (
    "The lamps along the quay were lit one by one. A boat came in with its sails furled.\n\n"
    "Nobody on the pier said a word while the ropes were thrown."
)
SENTENCE = "A boat came in with its sails furled."
REFERENCE = encoded(voiced_signal(8, 22050), 22050)


def job_run(account, text: str = CHAPTER, **options) -> SynthesisJob:
    """A job run to its end by calling its task as each run would chain the next."""
    job = intake.job_create(account=account, text=text, engine="local", **options)
    for _ in range(job.segments.count() + 1):
        synthesize_job(job.pk)
        job.refresh_from_db()
        if job.is_finished:
            break
    assert job.status == "complete", job.error
    return job


def stored_voice(account) -> Voice:
    voice = voice_create(account=account, name="Narrator", reference=validate_reference(REFERENCE), ref_text="Hi.")
    build_voice_prompt(voice.pk)
    return voice


def test_the_same_chapter_twice_sends_nothing_to_the_worker_and_costs_nothing(live_worker, owner):
    first = owner.post(JOBS, {"text": CHAPTER, "engine": "local"}, format="json").json()
    first = wait_for_job(owner, first["job_id"])
    sent_for_the_first = len(live_worker.synthesis_requests())

    second = owner.post(JOBS, {"text": CHAPTER, "engine": "local"}, format="json").json()
    second = wait_for_job(owner, second["job_id"])

    assert sent_for_the_first >= 1
    assert len(live_worker.synthesis_requests()) == sent_for_the_first
    assert second["status"] == "complete"
    assert [segment["duration"] for segment in second["segments"]] == [
        segment["duration"] for segment in first["segments"]
    ]
    assert second["duration"] == first["duration"]
    assert second["usage"]["cost_usd"] == 0
    assert second["usage"]["gpu_seconds"] == 0
    assert second["usage"]["audio_seconds"] == pytest.approx(first["usage"]["audio_seconds"], abs=0.01)


def test_each_segment_served_from_the_cache_has_a_cache_hit_line_at_no_cost(gpu_worker, owner):
    job_run(owner.account)

    again = job_run(owner.account)

    lines = UsageRecord.objects.filter(job_public_id=again.public_id)
    assert lines.count() == again.segments.count() >= 2
    assert {(line.kind, line.cost_usd, line.gpu_seconds, line.account_id) for line in lines} == {
        (UsageRecord.Kind.CACHE_HIT, 0, 0, owner.account.pk)
    }
    assert sum(line.audio_seconds for line in lines) == again.usage_audio_seconds


def test_the_cached_audio_is_the_audio_first_made(gpu_worker, owner):
    first = job_run(owner.account)

    again = job_run(owner.account)

    for made, served in zip(first.segments.order_by("index"), again.segments.order_by("index"), strict=True):
        assert served.audio.name != made.audio.name
        assert served.audio.read() == made.audio.read()


def test_a_reflowed_text_still_hits(gpu_worker, owner):
    job_run(owner.account, text=SENTENCE)

    job_run(owner.account, text="A  boat came in\twith its sails   furled. ")

    assert len(gpu_worker.synthesis_requests()) == 1


@pytest.mark.parametrize(
    "change",
    [{"voice": "ryan"}, {"instruct": "Whisper it."}, {"language": "German"}],
    ids=["another voice", "another speaking style", "another language"],
)
def test_a_change_in_what_is_heard_misses(gpu_worker, owner, change):
    job_run(owner.account, text=SENTENCE, voice="vivian")

    job_run(owner.account, text=SENTENCE, **{"voice": "vivian", **change})

    assert len(gpu_worker.synthesis_requests()) == 2


def models_that_spoke(job: SynthesisJob) -> set[str]:
    return set(WorkerRequest.objects.filter(job_public_id=job.public_id).values_list("model", flat=True))


def test_once_a_worker_answers_with_another_model_the_chapter_misses(
    gpu_worker, owner, model_server, tiny_checkpoints, tmp_path
):
    first = job_run(owner.account)
    another_model = shutil.copytree(tiny_checkpoints["custom_voice"], tmp_path / "another-preset-model")
    servers = start_model_server(tmp_path, None, another_model, tiny_checkpoints)
    gpu_worker.target = next(servers).url  # the worker behind GPU_WORKER_URL now runs another model
    try:
        job_run(owner.account, text="Something new to read.")  # its answer tells the new model
        again = job_run(owner.account)
    finally:
        gpu_worker.target = model_server.url
        servers.close()

    assert models_that_spoke(again) == {str(another_model)} != models_that_spoke(first)


def test_a_stored_voice_hits_for_its_own_account_only(gpu_worker, owner):
    stranger = account_get_or_create(name="stranger")
    job_run(owner.account, text=SENTENCE, voice=stored_voice(owner.account).public_id)
    job_run(owner.account, text=SENTENCE, voice=Voice.objects.get(account=owner.account).public_id)
    assert len(gpu_worker.synthesis_requests()) == 1

    same_recording = stored_voice(stranger)
    job_run(stranger, text=SENTENCE, voice=same_recording.public_id)

    assert same_recording.digest == Voice.objects.get(account=owner.account).digest
    assert len(gpu_worker.synthesis_requests()) == 2


def test_preset_voices_are_shared_between_accounts(gpu_worker, owner):
    job_run(owner.account, text=SENTENCE)

    job_run(account_get_or_create(name="another reader"), text=SENTENCE)

    assert len(gpu_worker.synthesis_requests()) == 1


def test_with_sharing_off_each_account_has_its_own_preset_audio(gpu_worker, owner, settings):
    settings.TTS_SEGMENT_CACHE_SHARED = False
    job_run(owner.account, text=SENTENCE)
    job_run(owner.account, text=SENTENCE)

    job_run(account_get_or_create(name="another reader"), text=SENTENCE)

    assert len(gpu_worker.synthesis_requests()) == 2


def test_with_the_cache_off_every_job_goes_to_the_worker(gpu_worker, owner, settings):
    settings.TTS_SEGMENT_CACHE = False
    job_run(owner.account, text=SENTENCE)

    job_run(owner.account, text=SENTENCE)

    assert len(gpu_worker.synthesis_requests()) == 2
