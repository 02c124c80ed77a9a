"""Accepting a job: check what was asked, admit it against the account's limits, store it, queue it.

Everything that can refuse a job without writing runs first. The account's admission (its cap on
running jobs and its budget), the inline clone's voice and the job itself are written in one
transaction, so a refused job leaves nothing behind: no voice, no prompt build, no hold.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from accounts.models import Account
from billing.budgets import budget_admit
from common.errors import InvalidInput, LimitReached, NotConfigured, NotFound, TooLarge
from engines.registry import engine_enabled, engine_names, get_engine
from synthesis.models import Segment, SynthesisJob, new_public_id
from synthesis.runs import job_enqueue
from synthesis.segmentation import split_text
from voices.models import Voice
from voices.presets import language_normalized, voice_names
from voices.selectors import voice_find
from voices.services import voice_for_inline_clone
from voices.validation import Reference, validate_reference

VOICE_ID_PREFIX = "voice_"
CLONES_TAKE_NO_INSTRUCT = "instruct works with preset voices only, not with cloned ones"


@dataclass(frozen=True)
class VoiceChoice:
    """The voice a job asked for, checked: a preset, a stored voice, or an inline clone's reference."""

    name: str  # what the job's JSON says: a preset's short name, a voice id, or "clone"
    stored: Voice | None = None
    reference: Reference | None = None  # an inline clone's audio, stored as a voice once admitted
    ref_text: str = ""


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
    engine_check(engine)
    text_check(text)
    language = language_normalized(language)
    choice = voice_choose(account=account, voice=voice, voice_data=voice_data, ref_text=ref_text, instruct=instruct)
    pieces = split_text(text, language, max_length=settings.TTS_WORKER_MAX_LENGTH)
    public_id = new_public_id(engine)
    with transaction.atomic():
        job_admit(account=account, engine=engine, characters=len(text), job_public_id=public_id)
        job = SynthesisJob.objects.create(
            public_id=public_id,
            account=account,
            engine=engine,
            text=text,
            language=language,
            voice=choice.name,
            stored_voice=stored_voice_for(account=account, choice=choice),
            instruct=instruct,
            format=audio_format,
            seed=secrets.randbelow(2**31),
        )
        Segment.objects.bulk_create(
            Segment(
                job=job,
                index=piece.index,
                text=piece.text,
                text_start=piece.start,
                text_end=piece.end,
                pause_after_ms=piece.pause_after_ms,
            )
            for piece in pieces
        )
        job_enqueue(job)
    return job


def engine_check(engine: str) -> None:
    enabled = ", ".join(name for name in engine_names() if engine_enabled(name))
    if engine not in engine_names():
        raise InvalidInput(f"Unknown engine {engine!r}: use one of {enabled}", "unknown_engine")
    if not engine_enabled(engine):
        raise InvalidInput(f"The {engine} engine is not enabled on this service: use {enabled}", "engine_not_enabled")
    chosen = get_engine(engine)
    if chosen.missing_configuration():
        # LibRead's own words; health says which settings are missing.
        raise NotConfigured(f"{chosen.title} TTS not configured", "engine_not_configured")


def text_check(text: str) -> None:
    limit = settings.TTS_JOB_MAX_CHARACTERS
    if len(text) > limit:
        raise TooLarge(
            f"Text has {len(text)} characters; a job takes at most {limit}. Split the chapter into several jobs.",
            "text_too_long",
        )


def voice_choose(
    *, account: Account, voice: str, voice_data: bytes | None, ref_text: str, instruct: str
) -> VoiceChoice:
    voice = voice.strip() or "default"
    if voice.lower() == "clone":
        if not voice_data:
            message = "voice: clone needs voice_data, base64 audio of 5-30 s of clear speech"
            raise InvalidInput(message, "missing_voice_data")
        if instruct:
            raise InvalidInput(CLONES_TAKE_NO_INSTRUCT, "invalid_instruct")
        return VoiceChoice("clone", reference=validate_reference(voice_data), ref_text=ref_text)
    if voice_data:
        raise InvalidInput("voice_data is only used with voice: clone", "unexpected_voice_data")
    if voice.startswith(VOICE_ID_PREFIX):
        stored = voice_find(account=account, public_id=voice)
        if stored is None:
            raise NotFound("Voice not found", "voice_not_found")
        if instruct:
            raise InvalidInput(CLONES_TAKE_NO_INSTRUCT, "invalid_instruct")
        return VoiceChoice(voice, stored=stored)
    if voice.lower() not in voice_names():
        raise InvalidInput(
            f"Unknown voice {voice!r}: use one of {', '.join(voice_names())}, or a stored voice's id", "unknown_voice"
        )
    return VoiceChoice(voice.lower())


def stored_voice_for(*, account: Account, choice: VoiceChoice) -> Voice | None:
    """The stored voice the job speaks with; an inline clone's is stored now (or found, if identical)."""
    if choice.reference is None:
        return choice.stored
    return voice_for_inline_clone(account=account, reference=choice.reference, ref_text=choice.ref_text)


def job_admit(*, account: Account, engine: str, characters: int, job_public_id: str) -> None:
    """Check the account may run one more job of so many characters on the engine, and hold its
    estimate against its budget, if it has one. In a transaction: the account's row stays locked
    until it ends, so one account's admissions happen one at a time."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    running = SynthesisJob.objects.filter(account=account, status__in=SynthesisJob.UNFINISHED).count()
    most = account.max_active_jobs or settings.TTS_MAX_ACTIVE_JOBS
    if running >= most:
        raise LimitReached(
            f"{running} jobs are still running; an account may run {most} at once. Wait for some to finish.",
            "too_many_active_jobs",
        )
    budget_admit(account=account, engine=engine, characters=characters, job_public_id=job_public_id)
