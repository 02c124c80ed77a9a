"""GPU work whose answer the service could not keep is recorded, billed to nobody, and done again
once: a failure between the worker's answer and the stored audio never bills a segment twice."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from billing.models import UsageRecord
from engines.models import WorkerRequest
from synthesis import intake
from synthesis.models import Segment, SynthesisJob
from synthesis.tasks import synthesize_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(owner, django_capture_on_commit_callbacks):
    return intake.job_create(account=owner.account, text="Keep this sentence safe.", engine="local")


def lines_of(job: SynthesisJob):
    return UsageRecord.objects.filter(worker_request__job_public_id=job.public_id)


def test_audio_that_cannot_be_stored_is_recorded_as_lost_and_billed_once_when_made_again(job, gpu_worker, settings):
    segments_folder = Path(settings.MEDIA_ROOT) / "jobs" / job.public_id / "segments"
    segments_folder.parent.mkdir(parents=True)
    segments_folder.write_text("not a folder")  # storing any segment's audio now fails with an OSError

    synthesize_job(job.pk)

    segment = Segment.objects.get(job=job)
    assert (segment.status, segment.attempts) == ("queued", 1)
    (lost,) = WorkerRequest.objects.filter(job_public_id=job.public_id)
    assert lost.answer_lost
    assert lost.gpu_seconds > 0
    assert "Audio not stored" in lost.error
    assert not lines_of(job).exists()

    segments_folder.unlink()
    synthesize_job(job.pk)

    job.refresh_from_db()
    assert job.status == "complete"
    (line,) = lines_of(job)
    assert not line.worker_request.answer_lost
    assert len(gpu_worker.sent_indexes()) == 2


def test_an_expired_claim_is_recorded_as_lost_and_sent_again(job, gpu_worker, settings):
    expired = timezone.now() - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS + 1)
    Segment.objects.filter(job=job).update(status="processing", claimed_at=expired, attempts=1)

    synthesize_job(job.pk)

    lost = WorkerRequest.objects.get(job_public_id=job.public_id, answer_lost=True)
    assert lost.segment_indexes == [0]
    assert lines_of(job).count() == 1
    assert not lines_of(job).filter(worker_request=lost).exists()


def test_an_expired_claim_out_of_attempts_fails_instead_of_being_sent_again(job, gpu_worker, settings):
    expired = timezone.now() - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS + 1)
    Segment.objects.filter(job=job).update(
        status="processing", claimed_at=expired, attempts=settings.TTS_SEGMENT_MAX_ATTEMPTS
    )

    synthesize_job(job.pk)

    job.refresh_from_db()
    assert job.status == "error"
    assert "stopped before it stored an answer" in job.error
    assert gpu_worker.sent_indexes() == []
