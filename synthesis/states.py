"""A job's status, and the one function that moves it.

Every status write is ``job_transition``: a conditional UPDATE that moves the job only from the
states ``ALLOWED_FROM`` lists for the target (or fewer, when the caller narrows them), so two
tasks, or a task and a cancel, never undo each other's move. It says whether the job moved. A job
that finishes releases its budget hold.
"""

from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.budgets import hold_release
from billing.models import UsageRecord
from synthesis.models import SynthesisJob

Status = SynthesisJob.Status

ALLOWED_FROM = {
    Status.PROCESSING: (Status.QUEUED, Status.ERROR, Status.CANCELED),  # a worker is ready; a retry
    Status.QUEUED: (Status.PROCESSING, Status.QUEUED),  # no worker is ready yet; the message is renewed
    Status.COMPLETE: SynthesisJob.UNFINISHED,
    Status.ERROR: SynthesisJob.UNFINISHED,
    Status.CANCELED: SynthesisJob.UNFINISHED,
}


def job_transition(
    job: SynthesisJob,
    to: str,
    *,
    from_: tuple[str, ...] | None = None,
    message: str = "",
    error: str = "",
    **fields,
) -> bool:
    """Move the job to ``to`` if it is in one of the states it may come from; whether it moved."""
    sources = ALLOWED_FROM[to] if from_ is None else from_
    if not set(sources) <= set(ALLOWED_FROM[to]):
        raise ValueError(f"a job never moves from {', '.join(sources)} to {to}")
    now = timezone.now()
    changes = {"status": to, "message": message, "error": error, "updated_at": now, **fields}
    changes.setdefault("finished_at", now if to in SynthesisJob.FINISHED else None)
    moved = SynthesisJob.objects.filter(pk=job.pk, status__in=sources).update(**changes) == 1
    if moved and to in SynthesisJob.FINISHED:
        hold_release(job_public_id=job.public_id)
    return moved


def job_touch(job: SynthesisJob, **fields) -> None:
    """Move ``updated_at`` (stalled jobs are found by it), with any fields other than the status."""
    SynthesisJob.objects.filter(pk=job.pk).update(updated_at=timezone.now(), **fields)


def once(field: str, moment) -> Coalesce:
    """An update expression that keeps a timestamp already set, else sets it to ``moment``."""
    return Coalesce(F(field), Value(moment, output_field=DateTimeField()))


def job_usage_add(job: SynthesisJob, line: UsageRecord) -> None:
    """Add a ledger line of the job's to its usage, in the transaction that writes the line. The
    characters are those a GPU spoke: a cache hit adds its audio, at no cost, and none."""
    job_touch(
        job,
        usage_characters=F("usage_characters") + (line.worker_request.characters if line.worker_request else 0),
        usage_audio_seconds=F("usage_audio_seconds") + line.audio_seconds,
        usage_gpu_seconds=F("usage_gpu_seconds") + line.gpu_seconds,
        usage_cost_usd=F("usage_cost_usd") + line.cost_usd,
    )
