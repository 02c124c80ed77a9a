"""Storage that fails after the GPU answered, then recovers: through the real Celery worker and GPU
worker, the job completes and each segment is billed once; the lost answer is on record."""

from pathlib import Path

from django.conf import settings

from billing.models import UsageRecord
from engines.models import WorkerRequest
from gpu_worker.testing.processes import wait_until
from tests.support.service import JOBS, wait_for_job

CHAPTER = " ".join(f"Sentence {n} of a chapter that takes a few segments to read." for n in range(12))


def test_a_storage_failure_then_recovery_bills_each_segment_once(live_worker, owner):
    live_worker.hang_next(4, seconds=1.5)  # time to break the storage before each answer is stored
    job_id = owner.post(JOBS, {"text": CHAPTER}, format="json").json()["job_id"]
    blocker = Path(settings.MEDIA_ROOT) / "jobs" / job_id / "segments"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder: storing a segment's audio fails")

    lost = wait_until(
        lambda: WorkerRequest.objects.filter(job_public_id=job_id, answer_lost=True).first(), 30, what="a lost answer"
    )
    blocker.unlink()
    job = wait_for_job(owner, job_id)

    assert job["status"] == "complete"
    assert lost.gpu_seconds > 0
    billed = [
        index
        for line in UsageRecord.objects.filter(worker_request__job_public_id=job_id)
        for index in line.worker_request.segment_indexes
    ]
    assert sorted(billed) == list(range(len(job["segments"])))
