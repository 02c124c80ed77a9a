"""Queueing a job's runs (``synthesis.tasks.synthesize_job``), the first audio ahead of the bulk.

A reader waits for a job's first segment; every later segment can wait behind everyone's first.
A run of a job whose first segment is not ready yet is sent at the highest priority, later runs
at the lowest. On Redis kombu fetches higher priorities first, so a job posted behind a long
chapter still starts at once; the filesystem broker has no priorities, but it is first in, first
out, so jobs posted together still start in the order they were posted.
"""

from django.db import transaction

from synthesis.models import Segment, SynthesisJob

FIRST_AUDIO, BULK = 0, 9  # kombu's Redis priorities: 0 is fetched first


def run_priority(job_id: int) -> int:
    first = Segment.objects.filter(job_id=job_id, index=0, status=Segment.Status.READY)
    return BULK if first.exists() else FIRST_AUDIO


def run_send(job_id: int, wait_ticket: int | None = None) -> None:
    from synthesis.tasks import synthesize_job

    synthesize_job.apply_async((job_id, wait_ticket), priority=run_priority(job_id))


def job_enqueue(job: SynthesisJob) -> None:
    # Robust: with the broker down the job is still accepted; requeue_stalled_jobs sends it later.
    transaction.on_commit(lambda: run_send(job.pk), robust=True)
