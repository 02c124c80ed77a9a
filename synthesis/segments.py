"""A segment's way through the GPU: claimed under a lease, then ready, released or failed.

A claim is a conditional UPDATE that records a claim token and time: only rows still queued
change, and only the claimer's token marks them, so a redelivered task never sends a segment
twice. A claim is a lease: a task waiting for a worker renews it, and one whose lease ran out
(its task stopped) is settled before the next claim: queued again, or failed once out of
attempts. Every later write names the token, so a task whose lease ran out cannot overwrite the
segment's new owner.

Every write to a job's segments moves the job's ``updated_at``, which its ETag is made of, so a
poller's ``If-None-Match`` never hides a change.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engines.base import WorkerCall
from engines.records import worker_request_record
from synthesis.models import Segment, SynthesisJob
from synthesis.states import job_touch


@dataclass(frozen=True)
class Claim:
    job: SynthesisJob
    token: uuid.UUID
    segments: list[Segment]

    @property
    def rows(self):
        return Segment.objects.filter(claim_token=self.token)


def segments_claim(*, job: SynthesisJob) -> Claim:
    """Claim the next queued segments to send, in reading order. A job's first claim takes one
    segment, so a reader hears the start early; later claims take TTS_BATCH_SEGMENTS."""
    claims_expired_settle(job=job)
    started = job.segments.exclude(status=Segment.Status.QUEUED).exists()
    size = settings.TTS_BATCH_SEGMENTS if started else 1
    token = uuid.uuid4()
    with transaction.atomic():
        queued = job.segments.filter(status=Segment.Status.QUEUED)
        candidates = list(queued.order_by("index").values_list("pk", flat=True)[:size])
        Segment.objects.filter(pk__in=candidates, status=Segment.Status.QUEUED).update(
            status=Segment.Status.PROCESSING, claim_token=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    job_touch(job)
    segments = list(Segment.objects.filter(claim_token=token).order_by("index"))
    for segment in segments:
        segment.job = job  # storing their audio names the job: never a query, which fails once it is deleted
    return Claim(job, token, segments)


def claims_expired_settle(*, job: SynthesisJob) -> None:
    """Claims whose lease ran out belong to a task that stopped before it stored an answer.

    Each is recorded as a worker request whose answer was lost (a GPU may have worked on it), and
    its segments queue again, or fail once out of attempts: a lasting fault does not resend them
    every lease period.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS)
    expired = job.segments.filter(status=Segment.Status.PROCESSING, claimed_at__lt=cutoff)
    for token in set(expired.values_list("claim_token", flat=True)):
        with transaction.atomic():
            rows = expired.filter(claim_token=token)
            pieces = list(rows.values_list("index", "text"))
            error = "The task sending these segments stopped before it stored an answer."
            limit = settings.TTS_SEGMENT_MAX_ATTEMPTS
            settled = rows.filter(attempts__gte=limit).update(
                status=Segment.Status.ERROR, error=error, claim_token=None
            )
            settled += rows.filter(attempts__lt=limit).update(
                status=Segment.Status.QUEUED, claim_token=None, claimed_at=None
            )
            if not settled:
                continue  # another run settled it first
            job_touch(job)
            worker_request_record(
                engine_name=job.engine,
                call=WorkerCall(),
                price_per_hour=None,
                job_public_id=job.public_id,
                segment_indexes=[index for index, _ in pieces],
                characters=sum(len(text) for _, text in pieces),
                error=error,
                answer_lost=True,
            )


def claim_renew(claim: Claim) -> None:
    """Keep the lease while the claim's task waits for a worker, so nobody else claims it meanwhile."""
    claim.rows.update(claimed_at=timezone.now())


def claim_unsend(claim: Claim) -> None:
    """Nothing was sent (no worker was ready): the segments queue again without spending an attempt."""
    claim.rows.update(status=Segment.Status.QUEUED, attempts=F("attempts") - 1, claim_token=None, claimed_at=None)
    job_touch(claim.job)


def claim_cancel(claim: Claim) -> None:
    """The job closed while its batch waited: the batch is never sent."""
    claim.rows.update(status=Segment.Status.CANCELED, claim_token=None)
    job_touch(claim.job)


def claim_fail(claim: Claim, error: str) -> None:
    claim.rows.update(status=Segment.Status.ERROR, error=error, claim_token=None)
    job_touch(claim.job)


def claim_release(claim: Claim, error: str, pks: list[int] | None = None) -> None:
    """Give claimed segments back to the queue, or fail those out of attempts."""
    claimed = claim.rows if pks is None else claim.rows.filter(pk__in=pks)
    with transaction.atomic():
        claimed.filter(attempts__gte=settings.TTS_SEGMENT_MAX_ATTEMPTS).update(
            status=Segment.Status.ERROR, error=error, claim_token=None
        )
        claimed.update(status=Segment.Status.QUEUED, error=error, claim_token=None, claimed_at=None)
        job_touch(claim.job)


def segment_audio_write(segment: Segment, wav: bytes) -> str:
    """Store a segment's WAV as a file of its own (a name never reused); its stored name."""
    segment.audio.save(f"{segment.index:05d}.wav", ContentFile(wav), save=False)
    return segment.audio.name


def claim_held(claim: Claim) -> bool:
    """Whether every claimed segment is still ours: not when the lease ran out and another run
    took them (its answer will do)."""
    return claim.rows.count() == len(claim.segments)


def claim_store(claim: Claim, stored: dict[int, tuple[str, float]], cache_keys: dict[int, str]) -> None:
    """Mark the claimed segments whose audio is stored ready, with what the audio is of."""
    for pk, (name, duration) in stored.items():
        claim.rows.filter(pk=pk).update(
            status=Segment.Status.READY, audio=name, duration=duration, error="", claim_token=None,
            cache_key=cache_keys[pk],
        )  # fmt: skip
    job_touch(claim.job)


def segments_unsent_cancel(job: SynthesisJob) -> None:
    job.segments.filter(status=Segment.Status.QUEUED).update(status=Segment.Status.CANCELED)
    job_touch(job)


def segments_unsent_fail(job: SynthesisJob, error: str) -> None:
    job.segments.filter(status=Segment.Status.QUEUED).update(status=Segment.Status.ERROR, error=error)
    job_touch(job)


def segments_unfinished(job: SynthesisJob):
    """The segments a retry runs again: those that failed or were canceled."""
    return job.segments.filter(status__in=[Segment.Status.ERROR, Segment.Status.CANCELED])


def segments_requeue(job: SynthesisJob, segments) -> None:
    segments.update(status=Segment.Status.QUEUED, attempts=0, error="", claim_token=None, claimed_at=None)
    job_touch(job)
