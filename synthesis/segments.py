"""A segment's way through the GPU: claimed under a lease, then ready, released or failed.

A claim is a conditional UPDATE that records a claim token and time: only rows still queued (or
whose lease ran out, their task having died) change, and only the claimer's token marks them, so
a redelivered task never sends a segment twice. Every later write names the token, so a task
whose lease ran out cannot overwrite the segment's new owner.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from synthesis.models import Segment, SynthesisJob


@dataclass(frozen=True)
class Claim:
    token: uuid.UUID
    segments: list[Segment]

    @property
    def rows(self):
        return Segment.objects.filter(claim_token=self.token)


def segments_claim(*, job: SynthesisJob) -> Claim:
    """Claim the next segments to send, in reading order. A job's first claim takes one segment,
    so a reader hears the start early; later claims take TTS_BATCH_SEGMENTS."""
    now = timezone.now()
    claimable = Q(status=Segment.Status.QUEUED) | Q(
        status=Segment.Status.PROCESSING, claimed_at__lt=now - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS)
    )
    started = job.segments.exclude(status=Segment.Status.QUEUED).exists()
    size = settings.TTS_BATCH_SEGMENTS if started else 1
    token = uuid.uuid4()
    with transaction.atomic():
        candidates = list(job.segments.filter(claimable).order_by("index").values_list("pk", flat=True)[:size])
        Segment.objects.filter(claimable, pk__in=candidates).update(
            status=Segment.Status.PROCESSING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
        )
    return Claim(token, list(Segment.objects.filter(claim_token=token).order_by("index")))


def claim_renew(claim: Claim) -> None:
    """Keep the lease while the claim's task waits for a worker, so nobody else claims it meanwhile."""
    claim.rows.update(claimed_at=timezone.now())


def claim_unsend(claim: Claim) -> None:
    """Nothing was sent (no worker was ready): the segments queue again without spending an attempt."""
    claim.rows.update(status=Segment.Status.QUEUED, attempts=F("attempts") - 1, claim_token=None, claimed_at=None)


def claim_cancel(claim: Claim) -> None:
    """The job closed while its batch waited: the batch is never sent."""
    claim.rows.update(status=Segment.Status.CANCELED, claim_token=None)


def claim_fail(claim: Claim, error: str) -> None:
    claim.rows.update(status=Segment.Status.ERROR, error=error, claim_token=None)


def claim_release(claim: Claim, error: str, pks: list[int] | None = None) -> None:
    """Give claimed segments back to the queue, or fail those out of attempts."""
    claimed = claim.rows if pks is None else claim.rows.filter(pk__in=pks)
    with transaction.atomic():
        claimed.filter(attempts__gte=settings.TTS_SEGMENT_MAX_ATTEMPTS).update(
            status=Segment.Status.ERROR, error=error, claim_token=None
        )
        claimed.update(status=Segment.Status.QUEUED, error=error, claim_token=None, claimed_at=None)


def segment_store_audio(*, segment: Segment, claim: Claim, wav: bytes, duration: float) -> None:
    segment.audio.save(f"{segment.index:05d}.wav", ContentFile(wav), save=False)
    stored = claim.rows.filter(pk=segment.pk).update(
        status=Segment.Status.READY, audio=segment.audio.name, duration=duration, error="", claim_token=None
    )
    if not stored:  # the lease ran out and another task has it now; its answer will do
        segment.audio.delete(save=False)


def segments_unsent_cancel(job: SynthesisJob) -> None:
    job.segments.filter(status=Segment.Status.QUEUED).update(status=Segment.Status.CANCELED)


def segments_unsent_fail(job: SynthesisJob, error: str) -> None:
    job.segments.filter(status=Segment.Status.QUEUED).update(status=Segment.Status.ERROR, error=error)


def segments_unfinished(job: SynthesisJob):
    """The segments a retry runs again: those that failed or were canceled."""
    return job.segments.filter(status__in=[Segment.Status.ERROR, Segment.Status.CANCELED])


def segments_requeue(segments) -> None:
    segments.update(status=Segment.Status.QUEUED, attempts=0, error="", claim_token=None, claimed_at=None)
