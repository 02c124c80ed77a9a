"""Clone prompts: built once per model by a GPU worker from a voice's reference, stored, reused."""

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.budgets import budget_exhausted, money
from billing.services import work_record
from engines.base import BuiltPrompt, Engine, EngineError, Resume, TransientEngineError, WorkerNotReady
from engines.models import ModelInUse
from engines.records import model_in_use
from voices.models import Voice, VoicePrompt

RETRY_BACKOFF_CAP = 60


def voice_prompt_build(*, voice: Voice, engine: Engine, ticket: int | None = None) -> VoicePrompt:
    """Have the engine's worker build the voice's prompt, billed to the voice's account; never once
    the account's budget for the month is spent."""
    if exhausted := budget_exhausted(voice.account):
        raise EngineError(
            f"The clone prompt was not built: the monthly budget of {money(exhausted.budget)} is spent "
            f"({money(exhausted.spent)}). Raise the budget, then use the voice again."
        )
    with voice.reference.open("rb") as stored:
        reference = stored.read()
    built = engine.build_voice_prompt(reference, voice.ref_text, ticket)
    work_record(
        engine_name=engine.name,
        call=built.call,
        price_per_hour=engine.price_per_hour(built.call.instance_id),
        account_id=voice.account_id,
        gpu_seconds=built.gpu_seconds,
    )
    return voice_prompt_store(voice=voice, built=built)


def voice_prompt_build_in_time(*, voice: Voice, engine: Engine, ticket: int | None = None) -> Resume | None:
    """Build a new voice's first prompt, waiting through a cold start and failures that may pass.

    A Resume when this run's window (TTS_COLD_START_POLL_WINDOW) ends first. Past
    TTS_COLD_START_TIMEOUT from the upload the prompt is marked failed; a job with the voice
    still builds it when it needs it.
    """
    window_ends = time.monotonic() + settings.TTS_COLD_START_POLL_WINDOW
    tries = 0
    while True:
        try:
            voice_prompt_build(voice=voice, engine=engine, ticket=ticket)
            return None
        except TransientEngineError as exc:
            tries += 1
            if isinstance(exc, WorkerNotReady):
                ticket, delay = exc.ticket, exc.retry_after
            else:
                delay = min(2**tries, RETRY_BACKOFF_CAP)
            if timezone.now() - voice.created_at > timedelta(seconds=settings.TTS_COLD_START_TIMEOUT):
                voice_prompt_failed(voice=voice, error=str(exc))
                return None
            if time.monotonic() + delay > window_ends:
                return Resume(ticket)
            time.sleep(delay)
        except EngineError as exc:
            voice_prompt_failed(voice=voice, error=str(exc))
            return None


def voice_prompt_store(*, voice: Voice, built: BuiltPrompt) -> VoicePrompt:
    with transaction.atomic():
        prompt, _ = VoicePrompt.objects.update_or_create(
            voice=voice, model=built.model, defaults={"data": built.data, "mode": built.mode}
        )
        Voice.objects.filter(pk=voice.pk).update(prompt_status=Voice.PromptStatus.READY, prompt_error="")
    return prompt


def voice_prompt_failed(*, voice: Voice, error: str) -> None:
    Voice.objects.filter(pk=voice.pk).update(prompt_status=Voice.PromptStatus.ERROR, prompt_error=error)


def voice_prompt_for(*, voice: Voice, engine: Engine) -> VoicePrompt:
    """The voice's prompt for the model the engine's workers last cloned with, else its newest; built
    now when there is none yet, so a job waits for it. Picked by model, not age: two engines on two
    models would otherwise each rebuild, and bill, the other's prompt in turn."""
    model = model_in_use(engine_name=engine.name, voice_kind=ModelInUse.VoiceKind.CLONE)
    prompts = voice.prompts.all()
    return (
        (model and prompts.filter(model=model).first())
        or prompts.first()
        or voice_prompt_build(voice=voice, engine=engine)
    )
