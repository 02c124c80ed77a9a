"""Celery tasks: thin wrappers that call services and own retries."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from engines.base import TransientEngineError
from synthesis import dispatch, lifecycle

RETRY_BACKOFF_CAP = 60


@shared_task(bind=True, max_retries=None)
def synthesize_job(self, job_id: int, wait_ticket: int | None = None) -> None:
    """Send one batch of the job; chain the next run. Safe to run twice for the same job."""
    try:
        follow_up = dispatch.job_dispatch_next_batch(job_id=job_id, wait_ticket=wait_ticket)
    except TransientEngineError as exc:
        # The claimed segments count an attempt each; out of attempts, they fail and end the job.
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, RETRY_BACKOFF_CAP)) from None
    except SoftTimeLimitExceeded:
        # The lease on the claimed segments runs out and requeue_stalled_jobs picks the job up.
        return
    if follow_up is not None:
        synthesize_job.delay(job_id, follow_up.wait_ticket)


@shared_task
def requeue_stalled_jobs() -> int:
    return lifecycle.jobs_requeue_stalled()


@shared_task
def delete_expired_jobs() -> int:
    return lifecycle.jobs_delete_expired()
