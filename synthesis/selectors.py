from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account
from common.errors import NotFound
from synthesis.models import Segment, SynthesisJob


def jobs_visible_to(account: Account) -> QuerySet[SynthesisJob]:
    """The account's jobs that have not expired: anything else is a 404, as if it never was."""
    cutoff = timezone.now() - timedelta(hours=settings.TTS_JOB_RETENTION_HOURS)
    return SynthesisJob.objects.filter(account=account, created_at__gte=cutoff)


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
