"""Clone prompts: built once per model by a GPU worker from a voice's reference, stored, reused."""

from django.db import transaction

from billing.services import work_record
from engines.base import BuiltPrompt, Engine
from voices.models import Voice, VoicePrompt


def voice_prompt_build(*, voice: Voice, engine: Engine) -> VoicePrompt:
    """Have the engine's worker build the voice's prompt, billed to the voice's account."""
    with voice.reference.open("rb") as stored:
        reference = stored.read()
    built = engine.build_voice_prompt(reference, voice.ref_text)
    work_record(engine=engine, call=built.call, account_id=voice.account_id, gpu_seconds=built.gpu_seconds)
    return voice_prompt_store(voice=voice, built=built)


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
    """The newest prompt of the voice; built now when there is none yet, so a job waits for it."""
    return voice.prompts.first() or voice_prompt_build(voice=voice, engine=engine)
