"""Celery tasks: thin wrappers that call services.

No task retries through the broker with a countdown: a message a worker holds for later is lost
when the broker restarts (and kombu 5.7 then stops the worker). Runs wait and back off
themselves, and chain the next run; leases and requeue_stalled_jobs recover a run that died.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from synthesis import conversions, dispatch, lifecycle, runs


@shared_task
def synthesize_job(job_id: int, wait_ticket: int | None = None) -> None:
    """Send one batch of the job; chain the next run. Safe to run twice for the same job."""
    try:
        resume = dispatch.job_dispatch_next_batch(job_id=job_id, wait_ticket=wait_ticket)
    except SoftTimeLimitExceeded:
        # The lease on the claimed segments runs out and requeue_stalled_jobs picks the job up.
        return
    if resume is not None:
        runs.run_send(job_id, resume.ticket)


@shared_task
def convert_job_audio(job_id: int, audio_format: str) -> None:
    """Make a complete job's audio in mp3, ogg or flac. Safe to run twice: the second returns at once."""
    conversions.job_audio_convert(job_id=job_id, audio_format=audio_format)


@shared_task
def requeue_stalled_jobs() -> int:
    return lifecycle.jobs_requeue_stalled()


@shared_task
def delete_expired_jobs() -> int:
    return lifecycle.jobs_delete_expired()
