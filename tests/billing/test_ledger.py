"""Every worker request that used a GPU becomes one ledger line, priced with its worker's rate."""

from decimal import Decimal
from pathlib import Path

import pytest

from billing.models import UsageRecord
from billing.services import usage_record_work
from engines.base import BatchResult, SegmentAudio, WorkerCall
from engines.models import WorkerRequest
from engines.registry import get_engine
from gpu_worker.testing.audio import encoded, voiced_signal
from gpu_worker.testing.processes import wait_until
from gpu_worker.testing.pyworker import INSTANCE_ID
from synthesis import dispatch, intake, lifecycle
from synthesis.models import SynthesisJob
from synthesis.segments import segments_claim
from synthesis.tasks import synthesize_job
from tests.support.fake_vast import INSTANCE_PRICE
from tests.support.service import JOBS, wait_for_job
from voices.services import voice_create
from voices.tasks import build_voice_prompt
from voices.validation import validate_reference

CHAPTER = " ".join(f"Sentence {n} of a chapter that is long enough to take some time." for n in range(40))

NARRATION = encoded(voiced_signal(6, 16000), 16000)


def assert_usage_is_the_sum_of_the_ledger(job: dict) -> None:
    lines = UsageRecord.objects.filter(worker_request__job_public_id=job["job_id"])
    assert job["usage"]["cost_usd"] == pytest.approx(float(sum(line.cost_usd for line in lines)))
    assert job["usage"]["gpu_seconds"] == pytest.approx(float(sum(line.gpu_seconds for line in lines)))
    assert job["usage"]["characters"] == sum(line.worker_request.characters for line in lines)
    assert job["usage"]["audio_seconds"] == pytest.approx(float(sum(line.audio_seconds for line in lines)))


def test_a_vastai_jobs_lines_sum_to_its_usage_priced_with_the_instance_rate(vast, live_worker, owner):
    response = owner.post(
        f"{JOBS}?engine=vastai", {"text": "One line.\n\nTwo lines.\n\nThree lines here."}, format="json"
    )
    job = wait_for_job(owner, response.json()["job_id"])

    lines = list(UsageRecord.objects.filter(worker_request__job_public_id=job["job_id"]))
    assert len(lines) == WorkerRequest.objects.filter(job_public_id=job["job_id"]).count() >= 2
    for line in lines:
        assert line.price_per_hour == Decimal(INSTANCE_PRICE)
        assert line.price_source == "instance"
        assert line.cost_usd == (line.gpu_seconds * Decimal(INSTANCE_PRICE) / 3600).quantize(Decimal("0.000001"))
        assert line.account.name == "owner"
        assert line.worker_request.instance_id == INSTANCE_ID
    assert job["usage"]["cost_usd"] > 0
    assert_usage_is_the_sum_of_the_ledger(job)


def test_the_local_engine_is_priced_at_the_fallback_rate(gpu_worker, owner, settings):
    settings.TTS_FALLBACK_PRICE_PER_HOUR = "1.80"
    job = intake.job_create(account=owner.account, text="A local line.", engine="local")

    synthesize_job(job.pk)

    (line,) = UsageRecord.objects.filter(worker_request__job_public_id=job.public_id)
    assert (line.price_per_hour, line.price_source) == (Decimal("1.80"), "fallback")
    assert_usage_is_the_sum_of_the_ledger(owner.get(f"{JOBS}/{job.public_id}").json())


def test_a_worker_request_is_billed_once_however_often_it_is_recorded(gpu_worker, owner):
    job = intake.job_create(account=owner.account, text="Bill me once.", engine="local")
    synthesize_job(job.pk)
    request = WorkerRequest.objects.get(job_public_id=job.public_id)

    again = usage_record_work(worker_request=request, account_id=job.account_id, audio_seconds=1.0)

    assert UsageRecord.objects.filter(worker_request__job_public_id=job.public_id).count() == 1
    assert again == UsageRecord.objects.get(worker_request__job_public_id=job.public_id)


def test_a_worker_still_loading_its_models_bills_nothing(live_worker, owner):
    live_worker.fail_next(2, 503, {"status": "error", "error": "loading", "code": "loading"})

    job = wait_for_job(owner, owner.post(JOBS, {"text": "Wake up, please."}, format="json").json()["job_id"])

    assert job["status"] == "complete"
    (line,) = UsageRecord.objects.filter(worker_request__job_public_id=job["job_id"])
    assert line.worker_request.http_status == 200
    assert_usage_is_the_sum_of_the_ledger(job)


def test_usage_is_the_ledgers_sum_after_a_failed_request_and_its_retry(live_worker, owner):
    live_worker.fail_next(1, 500, {"status": "error", "error": "CUDA hiccup", "code": "internal"})

    job = wait_for_job(owner, owner.post(JOBS, {"text": "Second time lucky."}, format="json").json()["job_id"])

    statuses = sorted(line.worker_request.http_status for line in UsageRecord.objects.filter(
        worker_request__job_public_id=job["job_id"]
    ))  # fmt: skip
    assert statuses == [200, 500]
    assert_usage_is_the_sum_of_the_ledger(job)


def test_a_redelivered_task_writes_no_second_line(live_worker, owner):
    job_id = owner.post(JOBS, {"text": CHAPTER}, format="json").json()["job_id"]
    job = SynthesisJob.objects.get(public_id=job_id)
    for _ in range(2):
        synthesize_job.delay(job.pk)

    wait_for_job(owner, job_id)

    lines = UsageRecord.objects.filter(worker_request__job_public_id=job_id)
    assert sorted(i for line in lines for i in line.worker_request.segment_indexes) == list(range(job.segments.count()))


def test_a_canceled_job_bills_exactly_the_segments_that_reached_the_gpu(live_worker, owner):
    job_id = owner.post(JOBS, {"text": CHAPTER}, format="json").json()["job_id"]
    wait_until(lambda: owner.get(f"{JOBS}/{job_id}").json()["progress"]["segments_ready"] >= 1, 60, what="a segment")

    owner.post(f"{JOBS}/{job_id}/cancel")
    wait_until(
        lambda: not SynthesisJob.objects.get(public_id=job_id).segments.filter(status="processing").exists(),
        60,
        what="the batch on the GPU to finish",
    )

    lines = UsageRecord.objects.filter(worker_request__job_public_id=job_id)
    billed = sorted(i for line in lines for i in line.worker_request.segment_indexes)
    assert billed == sorted(live_worker.sent_indexes())
    assert billed != list(range(SynthesisJob.objects.get(public_id=job_id).segments.count()))


def test_lines_outlive_the_deleted_job(gpu_worker, owner):
    job = intake.job_create(account=owner.account, text="Gone, but billed.", engine="local")
    synthesize_job(job.pk)

    lifecycle.job_delete(job=job)

    line = UsageRecord.objects.get(worker_request__job_public_id=job.public_id)
    assert not SynthesisJob.objects.filter(public_id=job.public_id).exists()
    assert line.cost_usd > 0


def test_a_job_deleted_while_its_batch_is_on_the_gpu_is_still_billed(gpu_worker, owner):
    job = intake.job_create(account=owner.account, text="Deleted mid-flight.", engine="local")
    segments = list(job.segments.all())
    call = WorkerCall(worker_url=gpu_worker.url, instance_id="local", http_status=200, latency=2.0)
    result = BatchResult(segments=[SegmentAudio(0, b"RIFF", 1.5)], gpu_seconds=1.25, call=call)
    lifecycle.job_delete(job=job)

    dispatch.worker_request_bill(job=job, segments=segments, engine=get_engine("local"), result=result)

    request = WorkerRequest.objects.get(job_public_id=job.public_id)
    assert not SynthesisJob.objects.filter(public_id=job.public_id).exists()
    line = request.usage_record
    assert line.gpu_seconds == Decimal("1.250")
    assert line.account == owner.account


def test_a_batch_whose_job_was_deleted_while_on_the_gpu_is_billed_and_its_audio_discarded(
    owner, settings, django_capture_on_commit_callbacks
):
    job = intake.job_create(account=owner.account, text="Deleted while the GPU speaks.", engine="local")
    claim = segments_claim(job=job)
    lifecycle.job_delete(job=job)
    call = WorkerCall(worker_url="http://127.0.0.1:9", instance_id="local", http_status=200, latency=2.0)
    result = BatchResult(segments=[SegmentAudio(0, NARRATION, 6.0)], gpu_seconds=1.25, call=call)

    with django_capture_on_commit_callbacks(execute=True):
        dispatch.batch_store(job=job, engine=get_engine("local"), claim=claim, result=result)

    line = UsageRecord.objects.get(worker_request__job_public_id=job.public_id)
    assert line.account == owner.account
    assert line.gpu_seconds == Decimal("1.250")
    assert line.cost_usd > 0
    assert "deleted" in line.worker_request.error
    assert not list((Path(settings.MEDIA_ROOT) / "jobs" / job.public_id).rglob("*.wav"))


def test_building_a_clone_prompt_is_recorded_and_billed_to_the_voices_account(gpu_worker, owner):
    voice = voice_create(account=owner.account, name="Narrator", reference=validate_reference(NARRATION))

    build_voice_prompt(voice.pk)

    request = WorkerRequest.objects.get(job_public_id="")
    assert request.http_status == 200
    assert request.gpu_seconds > 0
    line = UsageRecord.objects.get(key=f"worker-request:{request.pk}")
    assert line.account == owner.account
    assert line.cost_usd > 0
