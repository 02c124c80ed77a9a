"""What clients and operators do to a job once it exists: cancel, retry, delete; and what beat does
to all of them: requeue the stalled, delete the expired."""

import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from common.errors import Conflict
from synthesis.intake import job_admit
from synthesis.models import Segment, SynthesisJob
from synthesis.runs import job_enqueue
from synthesis.segments import segments_requeue, segments_unfinished, segments_unsent_cancel
from synthesis.states import Status, job_touch, job_transition
from voices.models import Voice
from voices.services import inline_voices_release

RETRYABLE = (Status.ERROR, Status.CANCELED)


def job_folder(job: SynthesisJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / job.public_id


def job_cancel(*, job: SynthesisJob) -> SynthesisJob:
    """Stop the job: segments not yet sent are never sent; those on a GPU finish and are kept."""
    with transaction.atomic():
        if job_transition(job, Status.CANCELED, message="Canceled."):
            segments_unsent_cancel(job)
    job.refresh_from_db()
    return job


def job_delete(*, job: SynthesisJob) -> None:
    job_cancel(job=job)
    folder = job_folder(job)
    job.delete()
    shutil.rmtree(folder, ignore_errors=True)
    if job.stored_voice_id is not None:
        inline_voices_release(Voice.objects.filter(pk=job.stored_voice_id))


def job_retry(*, job: SynthesisJob) -> SynthesisJob:
    """Run a failed or canceled job's unfinished segments again; ready ones are kept."""
    if job.status not in RETRYABLE:
        raise Conflict(f"Job is {job.status}; only failed or canceled jobs can be retried", "not_retryable")
    # The stitched audio of the last run, and its conversions, would be stale.
    for stale in job_folder(job).glob("audio*"):
        stale.unlink(missing_ok=True)
    with transaction.atomic():
        rerun = segments_unfinished(job)
        characters = sum(len(text) for text in rerun.values_list("text", flat=True))
        job_admit(account=job.account, engine=job.engine, characters=characters, job_public_id=job.public_id)
        segments_requeue(job, rerun)
        if not job_transition(job, Status.PROCESSING, from_=RETRYABLE, audio="", duration=None, waiting_since=None):
            raise Conflict("Job changed while it was being retried; look at it again", "not_retryable")
        job_enqueue(job)
    job.refresh_from_db()
    return job


def jobs_requeue_stalled() -> int:
    """Enqueue jobs whose work stopped: a task died (its lease has run out), or a message was lost.

    A job is stalled when it has not moved for TTS_STALL_SECONDS and no segment is under a live
    lease: a run waiting for a worker moves the job at every poll, and one sending a batch holds
    its lease, so neither gets a twin. The run that starts sorts out what is left.
    """
    now = timezone.now()
    live_claims = Segment.objects.filter(
        job=OuterRef("pk"),
        status=Segment.Status.PROCESSING,
        claimed_at__gte=now - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS),
    )
    stalled = SynthesisJob.objects.filter(
        status__in=SynthesisJob.UNFINISHED, updated_at__lt=now - timedelta(seconds=settings.TTS_STALL_SECONDS)
    ).exclude(Exists(live_claims))
    count = 0
    for job in stalled:
        job_enqueue(job)
        job_touch(job)
        count += 1
    return count


def jobs_delete_expired() -> int:
    """Delete the jobs past retention, and the inline voices no job uses any more (a job deleted
    before inline voices went with their jobs left its voice behind)."""
    cutoff = timezone.now() - timedelta(hours=settings.TTS_JOB_RETENTION_HOURS)
    expired = list(SynthesisJob.objects.filter(created_at__lt=cutoff))
    for job in expired:
        job_delete(job=job)
    inline_voices_release(Voice.objects.filter(created_at__lt=cutoff))
    return len(expired)
