"""Every write to stored voices. Clone prompts are built and stored in ``prompts.py``."""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction

from accounts.models import Account
from billing.budgets import prompt_build_admit
from voices.models import Voice
from voices.presets import language_normalized
from voices.validation import Reference

EDITABLE = ("name", "language", "gender", "locale")


def voice_create(
    *,
    account: Account,
    name: str,
    reference: Reference,
    ref_text: str = "",
    language: str = "auto",
    gender: str = "",
    locale: str = "",
    inline: bool = False,
) -> Voice:
    """Store a validated reference as a voice, and have its clone prompt built once this commits;
    refused when the account's budget cannot pay for the build."""
    with transaction.atomic():
        prompt_build_admit(account=account)
        voice = Voice(
            account=account,
            name=name,
            language=language_normalized(language),
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

    # Robust: with the broker down the voice is still stored; its first job builds the prompt.
    transaction.on_commit(lambda: build_voice_prompt.delay(voice.pk), robust=True)


def voice_for_inline_clone(*, account: Account, reference: Reference, ref_text: str = "") -> Voice:
    """The account's voice for this reference and transcript: an earlier identical one, or a new one.

    Called in the transaction that stores the job; the lock keeps a job being deleted from taking
    an inline voice away while this job is about to use it (inline_voices_release).
    """
    existing = Voice.objects.select_for_update().filter(account=account, digest=reference.digest(ref_text)).first()
    if existing:
        return existing
    return voice_create(account=account, name="Inline clone", reference=reference, ref_text=ref_text, inline=True)


def voice_update(*, voice: Voice, **fields) -> Voice:
    if "language" in fields:
        fields["language"] = language_normalized(fields["language"])
    for name, value in fields.items():
        if name in EDITABLE:
            setattr(voice, name, value)
    voice.save()
    return voice


def inline_voices_release(voices: models.QuerySet[Voice]) -> int:
    """Delete the inline voices among these that no job uses any more: an inline voice lives as long
    as the jobs that were made with it, and cannot be listed or deleted through the API itself."""
    deleted = 0
    for voice in voices.filter(inline=True):
        with transaction.atomic():
            locked = Voice.objects.select_for_update().filter(pk=voice.pk).first()
            if locked and not locked.jobs.exists():
                voice_delete(voice=locked)
                deleted += 1
    return deleted


def voice_delete(*, voice: Voice) -> None:
    folder = Path(settings.MEDIA_ROOT) / "voices" / voice.public_id
    voice.delete()
    shutil.rmtree(folder, ignore_errors=True)
