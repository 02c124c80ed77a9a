"""Every write to voices and their clone prompts."""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import Account
from libread_tts.errors import ServiceError
from synthesis.engines.base import Engine
from synthesis.engines.base import VoicePrompt as BuiltPrompt
from synthesis.records import worker_call_record
from voices.models import Voice, VoicePrompt
from voices.presets import LANGUAGES
from voices.validation import validate_reference

EDITABLE = ("name", "language", "gender", "locale")


def voice_create(
    *,
    account: Account,
    name: str,
    reference_data: bytes,
    ref_text: str = "",
    language: str = "auto",
    gender: str = "",
    locale: str = "",
    inline: bool = False,
) -> Voice:
    language = (language or "auto").strip().lower()
    if language not in LANGUAGES:
        raise ServiceError(f"Unknown language {language!r}: use one of {', '.join(LANGUAGES)}", "unknown_language")
    reference = validate_reference(reference_data)
    with transaction.atomic():
        voice = Voice(
            account=account,
            name=name,
            language=language,
            gender=gender,
            locale=locale,
            ref_text=ref_text.strip(),
            duration=reference.duration,
            sample_rate=reference.sample_rate,
            digest=reference.digest(ref_text),
            inline=inline,
        )
        voice.reference.save("reference.wav", ContentFile(reference.wav), save=False)
        voice.save()
        voice_prompt_enqueue(voice)
    return voice


def voice_prompt_enqueue(voice: Voice) -> None:
    from voices.tasks import build_voice_prompt

    transaction.on_commit(lambda: build_voice_prompt.delay(voice.pk))


def voice_for_inline_clone(*, account: Account, reference_data: bytes, ref_text: str = "") -> Voice:
    """The account's voice for this reference and transcript: an earlier identical one, or a new one."""
    reference = validate_reference(reference_data)
    existing = Voice.objects.filter(account=account, digest=reference.digest(ref_text)).first()
    if existing:
        return existing
    return voice_create(
        account=account, name="Inline clone", reference_data=reference_data, ref_text=ref_text, inline=True
    )


def voice_update(*, voice: Voice, **fields) -> Voice:
    for name, value in fields.items():
        if name in EDITABLE:
            setattr(voice, name, value)
    voice.save()
    return voice


def voice_delete(*, voice: Voice) -> None:
    folder = Path(settings.MEDIA_ROOT) / "voices" / voice.public_id
    voice.delete()
    shutil.rmtree(folder, ignore_errors=True)


def voice_prompt_store(*, voice: Voice, built: BuiltPrompt) -> VoicePrompt:
    with transaction.atomic():
        prompt, _ = VoicePrompt.objects.update_or_create(
            voice=voice, model=built.model, defaults={"data": built.data, "mode": built.mode}
        )
        Voice.objects.filter(pk=voice.pk).update(prompt_status=Voice.PromptStatus.READY, prompt_error="")
    return prompt


def voice_prompt_build(*, voice: Voice, engine: Engine) -> VoicePrompt:
    with voice.reference.open("rb") as stored:
        reference = stored.read()
    built = engine.build_voice_prompt(reference, voice.ref_text)
    worker_call_record(engine=engine, call=built.call, account_id=voice.account_id, gpu_seconds=built.gpu_seconds)
    return voice_prompt_store(voice=voice, built=built)


def voice_prompt_failed(*, voice: Voice, error: str) -> None:
    Voice.objects.filter(pk=voice.pk).update(prompt_status=Voice.PromptStatus.ERROR, prompt_error=error)


def voice_prompt_for(*, voice: Voice, engine: Engine) -> VoicePrompt:
    """The newest prompt of the voice; built now when there is none yet, so a job waits for it."""
    return voice.prompts.first() or voice_prompt_build(voice=voice, engine=engine)
