"""Every write to jobs and segments. Views and tasks parse, call these, and answer."""

import logging
import secrets
import shutil
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from rest_framework import status

from accounts.models import Account
from billing.budgets import budget_admit, budget_exhausted, money
from libread_tts.errors import ServiceError
from synthesis import audio
from synthesis.engines import engine_names, get_engine
from synthesis.engines.base import (
    Batch,
    BatchResult,
    Engine,
    EngineError,
    PromptMismatch,
    SegmentText,
    TransientEngineError,
    Voice,
    WorkerNotReady,
)
from synthesis.models import Segment, SynthesisJob, WorkerRequest, new_public_id
from synthesis.records import worker_call_record
from synthesis.segmentation import split_text
from voices.models import Voice as StoredVoice
from voices.presets import LANGUAGES, voice_names
from voices.services import voice_for_inline_clone, voice_prompt_build, voice_prompt_for

VOICE_ID_PREFIX = "voice_"

logger = logging.getLogger(__name__)


class JobClosed(Exception):
    """The job ended (canceled, say) while its batch waited: the batch is not sent."""


COLD_START_MESSAGE = "Waiting for a GPU worker to start; synthesis begins when one is ready."


def job_create(
    *,
    account: Account,
    text: str,
    engine: str,
    language: str = "auto",
    voice: str = "default",
    instruct: str = "",
    voice_data: bytes | None = None,
    ref_text: str = "",
    audio_format: str = "wav",
) -> SynthesisJob:
    if engine not in engine_names():
        raise ServiceError(f"Unknown engine {engine!r}: use one of {', '.join(engine_names())}", "unknown_engine")
    if get_engine(engine).missing_configuration():
        # The seed's own words; health says which settings are missing.
        raise ServiceError(
            f"{get_engine(engine).title} TTS not configured",
            "engine_not_configured",
            status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    limit = settings.TTS_JOB_MAX_CHARACTERS
    if len(text) > limit:
        raise ServiceError(
            f"Text has {len(text)} characters; a job takes at most {limit}. Split the chapter into several jobs.",
            "text_too_long",
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    language = language.strip().lower() or "auto"
    if language not in LANGUAGES:
        raise ServiceError(f"Unknown language {language!r}: use one of {', '.join(LANGUAGES)}", "unknown_language")
    voice, stored_voice = job_voice_resolve(
        account=account, voice=voice, voice_data=voice_data, ref_text=ref_text, instruct=instruct
    )

    pieces = split_text(text, language, max_length=settings.TTS_WORKER_MAX_LENGTH)
    with transaction.atomic():
        hold = job_admit(account=account, characters=len(text))
        job = SynthesisJob.objects.create(
            cost_hold_usd=hold,
            public_id=new_public_id(engine),
            account=account,
            engine=engine,
            text=text,
            language=language,
            voice=voice,
            stored_voice=stored_voice,
            instruct=instruct,
            format=audio_format,
            seed=secrets.randbelow(2**31),
        )
        Segment.objects.bulk_create(
            Segment(job=job, index=piece.index, text=piece.text, pause_after_ms=piece.pause_after_ms)
            for piece in pieces
        )
        job_enqueue(job)
    return job


def job_admit(*, account: Account, characters: int) -> Decimal:
    """Check the account may start a job of so many characters; its budget hold. In a transaction."""
    account = Account.objects.select_for_update().get(pk=account.pk)  # one admission at a time
    running = SynthesisJob.objects.filter(account=account).exclude(status__in=SynthesisJob.FINISHED).count()
    most = account.max_active_jobs or settings.TTS_MAX_ACTIVE_JOBS
    if running >= most:
        raise ServiceError(
            f"{running} jobs are still running; an account may run {most} at once. Wait for some to finish.",
            "too_many_active_jobs",
            status.HTTP_429_TOO_MANY_REQUESTS,
        )
    return budget_admit(account=account, characters=characters)


def job_voice_resolve(
    *, account: Account, voice: str, voice_data: bytes | None, ref_text: str, instruct: str
) -> tuple[str, StoredVoice | None]:
    """The job's voice name, and the stored voice when it is a clone (inline ones are stored too)."""
    voice = voice.strip() or "default"
    if voice.lower() == "clone":
        if not voice_data:
            message = "voice: clone needs voice_data, base64 audio of 5-30 s of clear speech"
            raise ServiceError(message, "missing_voice_data")
        if instruct:
            raise ServiceError("instruct works with preset voices only, not with cloned ones", "invalid_instruct")
        return "clone", voice_for_inline_clone(account=account, reference_data=voice_data, ref_text=ref_text)
    if voice_data:
        raise ServiceError("voice_data is only used with voice: clone", "unexpected_voice_data")
    if voice.startswith(VOICE_ID_PREFIX):
        stored = StoredVoice.objects.filter(account=account, public_id=voice).first()
        if stored is None:
            raise ServiceError("Voice not found", "voice_not_found", status.HTTP_404_NOT_FOUND)
        if instruct:
            raise ServiceError("instruct works with preset voices only, not with cloned ones", "invalid_instruct")
        return voice, stored
    if voice.lower() not in voice_names():
        raise ServiceError(
            f"Unknown voice {voice!r}: use one of {', '.join(voice_names())}, or a stored voice's id", "unknown_voice"
        )
    return voice.lower(), None


def job_enqueue(job: SynthesisJob) -> None:
    from synthesis.tasks import synthesize_job

    transaction.on_commit(lambda: synthesize_job.delay(job.pk))


def job_cancel(*, job: SynthesisJob) -> SynthesisJob:
    """Stop the job: segments not yet sent are never sent; those on a GPU finish and are kept."""
    with transaction.atomic():
        SynthesisJob.objects.filter(pk=job.pk).exclude(status__in=SynthesisJob.FINISHED).update(
            status=SynthesisJob.Status.CANCELED, message="Canceled.", finished_at=timezone.now()
        )
        job.segments.filter(status=Segment.Status.QUEUED).update(status=Segment.Status.CANCELED)
    job.refresh_from_db()
    return job


def job_delete(*, job: SynthesisJob) -> None:
    job_cancel(job=job)
    folder = Path(settings.MEDIA_ROOT) / "jobs" / job.public_id
    job.delete()
    shutil.rmtree(folder, ignore_errors=True)


def job_retry(*, job: SynthesisJob) -> SynthesisJob:
    """Run a failed or canceled job's unfinished segments again; ready ones are kept."""
    if job.status not in (SynthesisJob.Status.ERROR, SynthesisJob.Status.CANCELED):
        raise ServiceError(f"Job is {job.status}; only failed or canceled jobs can be retried", "not_retryable", 409)
    # The stitched audio of the last run, and its conversions, would be stale.
    for stale in (Path(settings.MEDIA_ROOT) / "jobs" / job.public_id).glob("audio*"):
        stale.unlink(missing_ok=True)
    with transaction.atomic():
        rerun = job.segments.filter(status__in=[Segment.Status.ERROR, Segment.Status.CANCELED])
        hold = job_admit(
            account=job.account, characters=sum(len(text) for text in rerun.values_list("text", flat=True))
        )
        rerun.update(status=Segment.Status.QUEUED, attempts=0, error="", claim_token=None, claimed_at=None)
        SynthesisJob.objects.filter(pk=job.pk).update(
            cost_hold_usd=hold,
            updated_at=timezone.now(),
            status=SynthesisJob.Status.PROCESSING,
            error="",
            message="",
            finished_at=None,
            waiting_since=None,
            audio="",
            duration=None,
        )
        job_enqueue(job)
    job.refresh_from_db()
    return job


def segments_claim(*, job: SynthesisJob) -> tuple[uuid.UUID, list[Segment]]:
    """Claim the next segments to send, in reading order, under a lease.

    The conditional UPDATE is what keeps a redelivered task from sending a segment twice: only
    rows still queued (or whose lease ran out) change, and only the claimer's token marks them.
    The first claim of a job takes one segment, so a reader hears the start early.
    """
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
    return token, list(Segment.objects.filter(claim_token=token).order_by("index"))


def job_voice(job: SynthesisJob, engine: Engine) -> Voice:
    if job.stored_voice is None:
        if job.voice == "clone" or job.voice.startswith(VOICE_ID_PREFIX):
            raise EngineError("The job's voice was deleted")
        return Voice(name=job.voice, instruct=job.instruct)
    prompt = voice_prompt_for(voice=job.stored_voice, engine=engine)
    return Voice(name="clone", prompt=bytes(prompt.data))


def engine_synthesize(*, job: SynthesisJob, engine: Engine, segments: list[Segment]) -> BatchResult:
    """Send the batch; when the worker clones with another model than the prompt's, rebuild it once."""
    texts = [SegmentText(segment.index, segment.text) for segment in segments]
    batch = Batch(segments=texts, language=job.language, voice=job_voice(job, engine), seed=job.seed)
    on_waiting = lambda message: job_mark_waiting(job=job, message=message)  # noqa: E731
    try:
        return engine.synthesize(batch, on_waiting=on_waiting)
    except PromptMismatch as exc:
        worker_request_record(job=job, segments=segments, engine=engine, error=exc)
        rebuilt = voice_prompt_build(voice=job.stored_voice, engine=engine)
        batch = Batch(texts, job.language, Voice(name="clone", prompt=bytes(rebuilt.data)), job.seed)
        return engine.synthesize(batch, on_waiting=on_waiting)


def job_synthesize_next_batch(*, job_id: int) -> bool:
    """Send the job's next batch to its engine and store what comes back.

    Returns whether the job may have more to send. Raises TransientEngineError when the worker
    could not do the work; the claimed segments are then queued again for the task's retry.
    """
    job = SynthesisJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return False
    if exhausted := budget_exhausted(job.account):
        job_stop_for_budget(job=job, state=exhausted)
        return False
    token, segments = segments_claim(job=job)
    if not segments:
        job_finish_if_done(job_id=job.pk)
        return False
    SynthesisJob.objects.filter(pk=job.pk, status=SynthesisJob.Status.QUEUED).update(
        status=SynthesisJob.Status.PROCESSING, message=""
    )
    SynthesisJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=timezone.now())
    # QuerySet.update skips auto_now: keep updated_at telling when the job last moved.
    SynthesisJob.objects.filter(pk=job.pk).update(updated_at=timezone.now())
    engine = get_engine(job.engine)
    try:
        result = engine_synthesize(job=job, engine=engine, segments=segments)
    except JobClosed:
        Segment.objects.filter(claim_token=token).update(status=Segment.Status.CANCELED, claim_token=None)
        return False
    except WorkerNotReady as exc:
        worker_request_record(job=job, segments=segments, engine=engine, error=exc)
        job_wait_for_worker(job=job, token=token, reason=str(exc))
        raise
    except TransientEngineError as exc:
        worker_request_record(job=job, segments=segments, engine=engine, error=exc)
        segments_release(token=token, error=str(exc))
        raise
    except EngineError as exc:
        worker_request_record(job=job, segments=segments, engine=engine, error=exc)
        Segment.objects.filter(claim_token=token).update(status=Segment.Status.ERROR, error=str(exc), claim_token=None)
        job_finish_if_done(job_id=job.pk)
        return False

    worker_request_record(job=job, segments=segments, engine=engine, result=result)
    SynthesisJob.objects.filter(pk=job.pk).update(waiting_since=None)
    SynthesisJob.objects.filter(pk=job.pk, status=SynthesisJob.Status.QUEUED).update(
        status=SynthesisJob.Status.PROCESSING, message=""
    )
    by_index = {segment.index: segment for segment in segments}
    for outcome in result.segments:
        segment = by_index[outcome.index]
        if outcome.wav is not None:
            segment_store_audio(segment=segment, token=token, wav=outcome.wav, duration=outcome.duration)
        else:
            segments_release(token=token, error=f"{outcome.code}: {outcome.error}", pks=[segment.pk])
    job_finish_if_done(job_id=job.pk)
    return True


def job_stop_for_budget(*, job: SynthesisJob, state) -> None:
    """The month's spend reached the budget: what is on a GPU finishes, nothing more is sent."""
    with transaction.atomic():
        job.segments.filter(status=Segment.Status.QUEUED).update(status=Segment.Status.CANCELED)
        SynthesisJob.objects.filter(pk=job.pk).exclude(status__in=SynthesisJob.FINISHED).update(
            status=SynthesisJob.Status.ERROR,
            error=f"Stopped: the monthly budget of {money(state.budget)} is spent ({money(state.spent)}). "
            "Raise the budget, then retry the job.",
            message="",
            finished_at=timezone.now(),
        )


def job_mark_waiting(*, job: SynthesisJob, message: str) -> None:
    """Show a polling client that the job waits for a GPU worker to start; stop if it was canceled."""
    if not SynthesisJob.objects.filter(pk=job.pk).exclude(status__in=SynthesisJob.FINISHED).exists():
        raise JobClosed("The job was canceled or closed while it waited for a GPU worker")
    job_show_waiting(job=job, message=message)


def job_show_waiting(*, job: SynthesisJob, message: str) -> None:
    """``queued`` with the message, and when the wait began (kept from its first moment)."""
    SynthesisJob.objects.filter(pk=job.pk, waiting_since__isnull=True).update(waiting_since=timezone.now())
    SynthesisJob.objects.filter(pk=job.pk).exclude(status__in=SynthesisJob.FINISHED).update(
        status=SynthesisJob.Status.QUEUED, message=message
    )


def worker_request_record(
    *,
    job: SynthesisJob,
    segments: list[Segment],
    engine: Engine,
    result: BatchResult | None = None,
    error: EngineError | None = None,
) -> WorkerRequest | None:
    call = result.call if result else error.call
    if call is None:  # nothing reached a worker
        return None
    audio_seconds = sum(audio.duration or 0 for audio in result.segments if audio.wav) if result else 0.0
    return worker_call_record(
        engine=engine,
        call=call,
        account_id=job.account_id,
        job=job,
        segment_indexes=[segment.index for segment in segments],
        characters=sum(len(segment.text) for segment in segments),
        gpu_seconds=result.gpu_seconds if result else None,
        audio_seconds=audio_seconds,
        error=str(error) if error else "",
    )


def segment_store_audio(*, segment: Segment, token: uuid.UUID, wav: bytes, duration: float) -> None:
    segment.audio.save(f"{segment.index:05d}.wav", ContentFile(wav), save=False)
    stored = Segment.objects.filter(pk=segment.pk, claim_token=token).update(
        status=Segment.Status.READY, audio=segment.audio.name, duration=duration, error="", claim_token=None
    )
    if not stored:  # the lease ran out and another task has it now; its answer will do
        segment.audio.delete(save=False)


def segments_release(*, token: uuid.UUID, error: str, pks: list[int] | None = None) -> None:
    """Give claimed segments back to the queue, or fail those out of attempts."""
    claimed = Segment.objects.filter(claim_token=token)
    if pks is not None:
        claimed = claimed.filter(pk__in=pks)
    with transaction.atomic():
        claimed.filter(attempts__gte=settings.TTS_SEGMENT_MAX_ATTEMPTS).update(
            status=Segment.Status.ERROR, error=error, claim_token=None
        )
        claimed.update(status=Segment.Status.QUEUED, error=error, claim_token=None, claimed_at=None)


def job_wait_for_worker(*, job: SynthesisJob, token: uuid.UUID, reason: str) -> None:
    """No worker is ready: the job shows ``queued`` with a message; waiting spends no attempts."""
    now = timezone.now()
    Segment.objects.filter(claim_token=token).update(
        status=Segment.Status.QUEUED, attempts=F("attempts") - 1, claim_token=None, claimed_at=None
    )
    job_show_waiting(job=job, message=f"{COLD_START_MESSAGE} {reason}")
    job.refresh_from_db()
    if job.waiting_since and now - job.waiting_since > timedelta(seconds=settings.TTS_COLD_START_TIMEOUT):
        limit = settings.TTS_COLD_START_TIMEOUT
        waited = f"{limit // 60} minutes" if limit >= 120 else f"{limit} seconds"
        with transaction.atomic():
            job.segments.filter(status=Segment.Status.QUEUED).update(status=Segment.Status.ERROR, error=reason)
            SynthesisJob.objects.filter(pk=job.pk).exclude(status__in=SynthesisJob.FINISHED).update(
                status=SynthesisJob.Status.ERROR,
                error=f"No GPU worker became ready within {waited}. Retry the job later. ({reason})",
                message="",
                finished_at=now,
            )


def job_finish_if_done(*, job_id: int) -> None:
    """Close the job once no segment is waiting or on a GPU: stitch it, or say what failed."""
    with transaction.atomic():
        job = SynthesisJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:  # deleted, canceled, or already closed by another task
            return
        segments = list(job.segments.order_by("index"))
        failed = [segment for segment in segments if segment.status == Segment.Status.ERROR]
        if failed:
            # One failed segment ends the job; what is made stays playable and `retry` finishes it.
            first = failed[0]
            job.segments.filter(status=Segment.Status.QUEUED).update(status=Segment.Status.CANCELED)
            job.status = SynthesisJob.Status.ERROR
            job.error = f"Segment {first.index} failed after {first.attempts} attempt(s): {first.error}"
            job.message = ""
            job.finished_at = timezone.now()
            job.save()
            return
        if any(segment.status != Segment.Status.READY for segment in segments):
            return
        parts = []
        for segment in segments:
            with segment.audio.open("rb") as stored:
                parts.append((stored.read(), segment.pause_after_ms))
        wav, duration = audio.stitch(parts)
        job.audio.save("audio.wav", ContentFile(wav), save=False)
        job.duration = round(duration, 3)
        job.status = SynthesisJob.Status.COMPLETE
        job.message = ""
        job.finished_at = timezone.now()
        job.save()


def jobs_requeue_stalled() -> int:
    """Enqueue jobs whose work stopped: a worker died holding a lease, or a message was lost."""
    stale = timezone.now() - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS)
    # Work left, a claim whose worker died, or every segment ready but the job never closed:
    # the task sorts out which, and does nothing for a job whose claims are still leased.
    jobs = SynthesisJob.objects.exclude(status__in=SynthesisJob.FINISHED).filter(updated_at__lt=stale)
    count = 0
    for job in jobs:
        job_enqueue(job)
        SynthesisJob.objects.filter(pk=job.pk).update(updated_at=timezone.now())
        count += 1
    return count


def jobs_delete_expired() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.TTS_JOB_RETENTION_HOURS)
    expired = list(SynthesisJob.objects.filter(created_at__lt=cutoff))
    for job in expired:
        job_delete(job=job)
    return len(expired)


def job_audio_path(*, job: SynthesisJob, audio_format: str) -> Path:
    """The job's audio in a format, converted once from the stitched WAV and kept beside it."""
    wav_path = Path(job.audio.path)
    if audio_format == "wav":
        return wav_path
    path = wav_path.with_suffix(f".{audio_format}")
    if not path.exists():
        converted = audio.convert(wav_path.read_bytes(), audio_format)
        partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.partial")
        partial.write_bytes(converted)
        partial.replace(path)  # atomic: a concurrent request never reads half a file
    return path
