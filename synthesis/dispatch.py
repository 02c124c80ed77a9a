"""Dispatch: send a job's next batch to its engine, wait for a cold worker, store what comes back.

One task run sends one batch: it claims the next segments (``segments.py``), sends them, stores
the audio, closes the job when nothing is left, and asks for another run. Every wait happens in
the run, never as a broker countdown (a message a worker holds for later is what a broker
restart loses): while no GPU worker is ready it waits in one loop, the engine making one attempt
per call, with the job shown ``queued``; after a failure that may pass it backs off before the
next run. A run hands a long wait, and its place in the engine's queue, to a fresh run after
``TTS_COLD_START_POLL_WINDOW``, since a task must end within its time limit.

What the worker made is kept in two steps: the audio files, then one transaction with the worker
request, its ledger line and the segments' states. A failure between the two bills nothing and
sends the segments again; the request is still recorded, its answer marked lost.
"""

import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.models import Account
from billing.budgets import BudgetState, budget_exhausted, money
from billing.services import work_record
from engines.base import (
    Batch,
    BatchResult,
    BatchVoice,
    Engine,
    EngineError,
    PromptMismatch,
    Resume,
    SegmentText,
    TransientEngineError,
    WorkerNotReady,
)
from engines.records import model_in_use_note, worker_request_record
from engines.registry import get_engine
from synthesis import audio
from synthesis.cache import segment_cache_keys, segments_serve_cached, voice_kind
from synthesis.conversions import job_format_request
from synthesis.intake import VOICE_ID_PREFIX
from synthesis.models import Segment, SynthesisJob, job_audio_path
from synthesis.segments import (
    Claim,
    claim_cancel,
    claim_fail,
    claim_held,
    claim_release,
    claim_renew,
    claim_store,
    claim_unsend,
    segment_audio_write,
    segments_claim,
    segments_unsent_cancel,
    segments_unsent_fail,
)
from synthesis.states import Status, job_touch, job_transition, job_usage_add, once
from voices.prompts import voice_prompt_build, voice_prompt_for

COLD_START_MESSAGE = "Waiting for a GPU worker to start; synthesis begins when one is ready."
RETRY_BACKOFF_CAP = 60
DATABASE_PATIENCE_SECONDS = 60  # how long a run holding a GPU's answer waits for the database
SEED_STRIDE = 7919  # a prime: a segment's attempts never share a seed


def job_dispatch_next_batch(*, job_id: int, wait_ticket: int | None = None) -> Resume | None:
    """Send the job's next batch and store what comes back; a Resume when the job needs another run."""
    job = SynthesisJob.objects.select_related("account", "stored_voice").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return None
    engine = get_engine(job.engine)
    if exhausted := budget_exhausted(job.account):
        job_stop_for_budget(job=job, state=exhausted)
        return None
    job_touch(job, started_at=once("started_at", timezone.now()))
    segments_serve_cached(job=job, engine=engine)
    claim = segments_claim(job=job)
    if not claim.segments:
        job_close_if_done(job_id=job.pk)
        return None
    sent = batch_send(job=job, engine=engine, claim=claim, wait_ticket=wait_ticket)
    if not isinstance(sent, BatchResult):
        return sent
    batch_store(job=job, engine=engine, claim=claim, result=sent)
    job_close_if_done(job_id=job.pk)
    return Resume()


def batch_send(
    *, job: SynthesisJob, engine: Engine, claim: Claim, wait_ticket: int | None
) -> BatchResult | Resume | None:
    """The claimed batch's result; None when it will not be sent, a Resume to go on in a new run."""
    window_ends = time.monotonic() + settings.TTS_COLD_START_POLL_WINDOW
    while True:
        try:
            return engine_synthesize(job=job, engine=engine, segments=claim.segments, ticket=wait_ticket)
        except WorkerNotReady as exc:
            # No GPU worked on it: neither recorded nor billed; the job's `queued` shows the wait.
            if not job_wait_for_worker(job=job, claim=claim, reason=str(exc)):
                return None
            if time.monotonic() + exc.retry_after > window_ends:
                claim_unsend(claim)
                return Resume(exc.ticket)
            time.sleep(exc.retry_after)
            claim_renew(claim)
            wait_ticket = exc.ticket
        except TransientEngineError as exc:
            worker_request_bill(job=job, segments=claim.segments, engine=engine, error=exc)
            claim_release(claim, str(exc))
            attempts = max(segment.attempts for segment in claim.segments)
            if attempts < settings.TTS_SEGMENT_MAX_ATTEMPTS:  # each try spent one; back off before the next
                time.sleep(min(2 ** (attempts - 1), RETRY_BACKOFF_CAP))
            return Resume()
        except EngineError as exc:
            worker_request_bill(job=job, segments=claim.segments, engine=engine, error=exc)
            claim_fail(claim, str(exc))
            job_close_if_done(job_id=job.pk)
            return None


def engine_synthesize(*, job: SynthesisJob, engine: Engine, segments: list[Segment], ticket: int | None) -> BatchResult:
    """Send the batch; when the worker clones with another model than the prompt's, rebuild it once."""
    texts = [SegmentText(segment.index, segment.text) for segment in segments]
    first_audio = any(segment.index == 0 for segment in segments)
    seed = attempt_seed(job.seed, max(segment.attempts for segment in segments))
    batch = Batch(texts, job.language, batch_voice(job, engine), seed, first_audio=first_audio)
    try:
        return engine.synthesize(batch, ticket)
    except PromptMismatch as exc:
        worker_request_bill(job=job, segments=segments, engine=engine, error=exc)
        rebuilt = voice_prompt_build(voice=job.stored_voice, engine=engine)
        return engine.synthesize(replace(batch, voice=BatchVoice(name="clone", prompt=bytes(rebuilt.data))), ticket)


def attempt_seed(seed: int, attempt: int) -> int:
    """The job's seed on a segment's first attempt, another on each later one: on the same weights
    the same seed would make the same runaway or silence the worker refused the last time."""
    return (seed + (attempt - 1) * SEED_STRIDE) % 2**31


def batch_voice(job: SynthesisJob, engine: Engine) -> BatchVoice:
    """The job's voice as the worker takes it; a clone's prompt is built first if it has none yet."""
    if job.stored_voice is None:
        if job.voice == "clone" or job.voice.startswith(VOICE_ID_PREFIX):
            raise EngineError("The job's voice was deleted")
        return BatchVoice(name=job.voice, instruct=job.instruct)
    prompt = voice_prompt_for(voice=job.stored_voice, engine=engine)
    return BatchVoice(name="clone", prompt=bytes(prompt.data))


def worker_request_bill(
    *,
    job: SynthesisJob,
    segments: list[Segment],
    engine: Engine,
    result: BatchResult | None = None,
    error: EngineError | None = None,
) -> None:
    """Record and bill a request that reached a worker; one that never did leaves no trace."""
    call = result.call if result else error.call
    if call is None:
        return
    price = engine.price_per_hour(call.instance_id)  # may ask Vast's console: before the transaction
    with transaction.atomic():
        line = work_record(
            engine_name=engine.name,
            call=call,
            price_per_hour=price,
            account_id=job.account_id,
            job_public_id=job.public_id,
            segment_indexes=[segment.index for segment in segments],
            characters=sum(len(segment.text) for segment in segments),
            gpu_seconds=result.gpu_seconds if result else None,
            audio_seconds=result.audio_seconds if result else 0.0,
            error=str(error) if error else "",
        )
        if line is not None:
            job_usage_add(job, line)


def answer_lost_record(*, job: SynthesisJob, engine: Engine, claim: Claim, result: BatchResult, error: str) -> None:
    """The GPU did the work but the service lost the answer: recorded, billed to nobody."""
    worker_request_record(
        engine_name=engine.name,
        call=result.call,
        price_per_hour=engine.price_per_hour(result.call.instance_id),
        job_public_id=job.public_id,
        segment_indexes=[segment.index for segment in claim.segments],
        characters=sum(len(segment.text) for segment in claim.segments),
        gpu_seconds=result.gpu_seconds,
        error=error,
        answer_lost=True,
    )


def job_wait_for_worker(*, job: SynthesisJob, claim: Claim, reason: str) -> bool:
    """Show the job waiting for a worker; False when it must stop waiting (closed, or out of time)."""
    message = f"{COLD_START_MESSAGE} {reason}"
    waiting = job_transition(job, Status.QUEUED, message=message, waiting_since=once("waiting_since", timezone.now()))
    if not waiting:  # canceled, or closed by another run, while the batch waited
        claim_cancel(claim)
        return False
    job.refresh_from_db(fields=["waiting_since"])
    limit = settings.TTS_COLD_START_TIMEOUT
    if timezone.now() - job.waiting_since <= timedelta(seconds=limit):
        return True
    claim_unsend(claim)
    waited = f"{limit // 60} minutes" if limit >= 120 else f"{limit} seconds"
    with transaction.atomic():
        segments_unsent_fail(job, reason)
        error = f"No GPU worker became ready within {waited}. Retry the job later. ({reason})"
        job_transition(job, Status.ERROR, error=error)
    return False


def batch_store(*, job: SynthesisJob, engine: Engine, claim: Claim, result: BatchResult) -> None:
    """Keep what the worker made: the audio files, then the record, the bill and the states at once."""
    by_index = {segment.index: segment for segment in claim.segments}
    stored: dict[int, tuple[str, float]] = {}
    try:
        for outcome in result.segments:
            if outcome.wav is not None:
                segment = by_index[outcome.index]
                stored[segment.pk] = (segment_audio_write(segment, outcome.wav), outcome.duration)
    except OSError as exc:  # a full disk, say
        answer_lost_record(job=job, engine=engine, claim=claim, result=result, error=f"Audio not stored: {exc}")
        claim_release(claim, f"The audio could not be stored ({exc}); it is made again.")
        return
    price = engine.price_per_hour(result.call.instance_id)  # may ask Vast's console: before the transaction
    until_committed(
        lambda: batch_commit(job=job, engine=engine, claim=claim, result=result, stored=stored, price=price)
    )


def batch_commit(*, job: SynthesisJob, engine: Engine, claim: Claim, result: BatchResult, stored: dict, price) -> None:
    """The worker request, its ledger line and the segments' states, all or nothing."""
    with transaction.atomic():
        if not claim_held(claim):
            if SynthesisJob.objects.filter(pk=job.pk).exists():  # the lease ran out and the segments went again
                answer_lost_record(job=job, engine=engine, claim=claim, result=result, error="The claim expired first.")
            else:  # deleted by its owner while on the GPU: the work was asked for, so it is billed
                deleted_job_bill(job=job, engine=engine, claim=claim, result=result, price=price)
            transaction.on_commit(lambda: audio_files_delete(stored))
            return
        claim_store(claim, stored, segment_cache_keys(job, claim.segments, result.call.model))
        model_in_use_note(engine_name=engine.name, voice_kind=voice_kind(job), model=result.call.model)
        for outcome in result.segments:
            if outcome.wav is None:
                pk = next(segment.pk for segment in claim.segments if segment.index == outcome.index)
                claim_release(claim, f"{outcome.code}: {outcome.error}", pks=[pk])
        line = work_record(
            engine_name=engine.name,
            call=result.call,
            price_per_hour=price,
            account_id=job.account_id,
            job_public_id=job.public_id,
            segment_indexes=[segment.index for segment in claim.segments],
            characters=sum(len(segment.text) for segment in claim.segments),
            gpu_seconds=result.gpu_seconds,
            audio_seconds=result.audio_seconds,
        )
        job_usage_add(job, line)
        job_transition(job, Status.PROCESSING, from_=(Status.QUEUED,), waiting_since=None)


def deleted_job_bill(*, job: SynthesisJob, engine: Engine, claim: Claim, result: BatchResult, price) -> None:
    """Bill the batch of a job deleted while it was on a GPU to the job's account; its audio goes.
    Deleting a job mid-batch would otherwise be GPU time for nothing, past any budget."""
    if not Account.objects.filter(pk=job.account_id).exists():  # the whole account went: nobody to bill
        answer_lost_record(job=job, engine=engine, claim=claim, result=result, error="The account was deleted.")
        return
    work_record(
        engine_name=engine.name,
        call=result.call,
        price_per_hour=price,
        account_id=job.account_id,
        job_public_id=job.public_id,
        segment_indexes=[segment.index for segment in claim.segments],
        characters=sum(len(segment.text) for segment in claim.segments),
        gpu_seconds=result.gpu_seconds,
        audio_seconds=result.audio_seconds,
        error="The job was deleted while this batch was on the GPU; its audio was discarded.",
    )


def audio_files_delete(stored: dict[int, tuple[str, float]]) -> None:
    for name, _ in stored.values():
        Segment.audio.field.storage.delete(name)


def until_committed(write) -> None:
    """Run a database write, waiting out a database that went away for DATABASE_PATIENCE_SECONDS."""
    deadline = time.monotonic() + DATABASE_PATIENCE_SECONDS
    delay = 0.5
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError):
            if time.monotonic() + delay > deadline:
                raise
            connection.close()  # a broken connection is never reused
            time.sleep(delay)
            delay = min(delay * 2, 10)


def job_stop_for_budget(*, job: SynthesisJob, state: BudgetState) -> None:
    """The month's spend reached the budget: what is on a GPU finishes, nothing more is sent."""
    with transaction.atomic():
        segments_unsent_cancel(job)
        job_transition(
            job,
            Status.ERROR,
            error=f"Stopped: the monthly budget of {money(state.budget)} is spent ({money(state.spent)}). "
            "Raise the budget, then retry the job.",
        )


def job_close_if_done(*, job_id: int) -> None:
    """Close the job once no segment is waiting or on a GPU: stitch it, or say what failed.

    The job's row lock is held to decide, not to stitch: reading a whole chapter takes seconds, and on
    SQLite the lock is the database's one writer. job_complete takes it again to mark the job."""
    with transaction.atomic():
        job = SynthesisJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:  # deleted, canceled, or already closed by another run
            return
        segments = list(job.segments.order_by("index"))
        failed = [segment for segment in segments if segment.status == Segment.Status.ERROR]
        if failed:
            # One failed segment ends the job; what is made stays playable and `retry` finishes it.
            first = failed[0]
            segments_unsent_cancel(job)
            error = f"Segment {first.index} failed after {first.attempts} attempt(s): {first.error}"
            job_transition(job, Status.ERROR, error=error)
            return
        if any(segment.status != Segment.Status.READY for segment in segments):
            return
    job_complete(job, segments)


def job_complete(job: SynthesisJob, segments: list[Segment]) -> None:
    """Stitch the segments, with their pauses, into the job's audio under a temporary name, then mark
    the job complete, unless it changed meanwhile (canceled, deleted, closed by another run): then
    the stitched file is discarded."""
    name = job_audio_path(job, "audio.wav")
    final = Path(job.audio.storage.path(name))
    partial = audio.partial_path(final)
    try:
        duration = audio.stitch([(Path(segment.audio.path), segment.pause_after_ms) for segment in segments], partial)
        with transaction.atomic():
            if job_still_closing(job, segments):
                partial.replace(final)
                job_transition(job, Status.COMPLETE, audio=name, duration=round(duration, 3))
                # Robust: the job is complete whatever becomes of the request; a client's request asks again.
                transaction.on_commit(lambda: job_format_request(job_id=job.pk), robust=True)
    except Exception:
        if SynthesisJob.objects.filter(pk=job.pk, status__in=SynthesisJob.UNFINISHED).exists():
            raise
        # Canceled or deleted while it was stitched: what failed was reading or writing its files.
    finally:
        partial.unlink(missing_ok=True)  # left only when the stitch is not kept


def job_still_closing(job: SynthesisJob, segments: list[Segment]) -> bool:
    """Whether the job is still unfinished, with the ready segments it was stitched from; the job's
    row stays locked until the transaction ends."""
    if not SynthesisJob.objects.select_for_update().filter(pk=job.pk, status__in=SynthesisJob.UNFINISHED).first():
        return False
    now = list(job.segments.order_by("index").values_list("pk", "status", "audio"))
    return now == [(segment.pk, Segment.Status.READY, segment.audio.name) for segment in segments]
