from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account
from common.errors import NotFound
from synthesis.models import Segment, SynthesisJob


def visible_after() -> datetime:
    return timezone.now() - timedelta(hours=settings.TTS_JOB_RETENTION_HOURS)


def jobs_visible_to(account: Account) -> QuerySet[SynthesisJob]:
    """The account's jobs that have not expired: anything else is a 404, as if it never was."""
    return SynthesisJob.objects.filter(account=account, created_at__gte=visible_after())


# A poll's two queries, in SQL of their own: LibRead polls every job twice a second, and building
# these through the ORM costs several times running them (bench/poll_path.py). They read what the
# job's JSON shows, never the job's text, as jobs_visible_to and job.segments would.
def columns(model, leave_out: tuple[str, ...] = ()) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(field.column) for field in model._meta.concrete_fields if field.name not in leave_out)


def job_for_poll(*, account: Account, public_id: str) -> SynthesisJob:
    sql = (
        f"SELECT {columns(SynthesisJob, leave_out=('text',))} FROM {SynthesisJob._meta.db_table} "  # noqa: S608 (names from the model)
        "WHERE public_id = %s AND account_id = %s AND created_at >= %s"
    )
    cutoff = connection.ops.adapt_datetimefield_value(visible_after())
    job = next(iter(SynthesisJob.objects.raw(sql, [public_id, account.pk, cutoff])), None)
    if job is None:
        raise NotFound("Job not found", "not_found")
    return job


def segments_for_poll(job: SynthesisJob) -> list[Segment]:
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {columns(Segment, leave_out=('text',))} FROM {Segment._meta.db_table} "  # noqa: S608 (names from the model)
        f"WHERE job_id = %s ORDER BY {quote('index')}"
    )
    return list(Segment.objects.raw(sql, [job.pk]))


def job_get(*, account: Account, public_id: str) -> SynthesisJob:
    job = jobs_visible_to(account).filter(public_id=public_id).first()
    if job is None:
        raise NotFound("Job not found", "not_found")
    return job


def segment_get(*, job: SynthesisJob, index: int) -> Segment:
    segment = job.segments.filter(index=index).first()
    if segment is None:
        raise NotFound("Segment not found", "not_found")
    return segment
