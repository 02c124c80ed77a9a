"""Celery tasks: thin wrappers that call services and own retries."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from synthesis import services
from synthesis.engines.base import TransientEngineError, WorkerNotReady

RETRY_BACKOFF_CAP = 60


@shared_task(bind=True, max_retries=None)
def synthesize_job(self, job_id: int) -> None:
    """Send one batch of the job; chain the next one. Safe to run twice for the same job."""
    try:
        more = services.job_synthesize_next_batch(job_id=job_id)
    except WorkerNotReady as exc:
        # Cold start: poll often, the job's deadline ends the wait (TTS_COLD_START_TIMEOUT).
        raise self.retry(exc=exc, countdown=min(2 + self.request.retries, 10)) from None
    except TransientEngineError as exc:
        # The claimed segments count an attempt each; out of attempts, they fail and end the job.
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, RETRY_BACKOFF_CAP)) from None
    except SoftTimeLimitExceeded:
        # The lease on the claimed segments runs out and requeue_stalled_jobs picks the job up.
        return
    if more:
        synthesize_job.delay(job_id)


@shared_task
def requeue_stalled_jobs() -> int:
    return services.jobs_requeue_stalled()


@shared_task
def delete_expired_jobs() -> int:
    return services.jobs_delete_expired()
