"""The segment cache: a segment whose audio was already made is served from storage, not the GPU.

A segment's cache key is a digest of what decides what is heard:

- the normalised text (Unicode NFC, runs of whitespace as one space), so a reflowed paragraph
  still matches while a changed word does not;
- the voice: a preset's name and its instruct (the speaking style), or a cloned voice's digest of
  its reference audio and transcript together with its account, so a stored voice's audio is
  never served to another account, even one that uploaded the same recording;
- the language the job asked for, since it steers pronunciation;
- the engine and the model its workers answer with now (``engines.ModelInUse``), so a new model
  makes new audio;
- ``TTS_SEGMENT_CACHE_VERSION``, to bump when the workers' sampling settings change.

The sampling seed is not in the key: speech is sampled, and any rendering of the text in that
voice by that model is as good as another. Preset voices' audio is shared between accounts.

The cache is the stored segments themselves: a hit copies a ready twin's audio into the segment,
so it expires with the twin's job (``TTS_JOB_RETENTION_HOURS``) and deleting one job never breaks
another's audio.
"""

import hashlib
import re
import unicodedata

from django.conf import settings
from django.db import transaction

from billing.services import cache_hit_record
from engines.base import Engine
from engines.models import ModelInUse
from engines.records import model_in_use
from synthesis.models import Segment, SynthesisJob
from synthesis.segments import segment_audio_write
from synthesis.states import job_usage_add

WHITESPACE = re.compile(r"\s+")


def voice_kind(job: SynthesisJob) -> str:
    return ModelInUse.VoiceKind.PRESET if job.stored_voice_id is None else ModelInUse.VoiceKind.CLONE


def voice_identity(job: SynthesisJob) -> str:
    if job.stored_voice is None:
        # Shared, a preset's audio serves every account, which can then tell that someone spoke a
        # text in that preset before (docs/security.md); TTS_SEGMENT_CACHE_SHARED=false keeps each
        # account's audio its own.
        owner = "" if settings.TTS_SEGMENT_CACHE_SHARED else f":{job.account_id}"
        return f"preset{owner}:{job.voice}:{job.instruct}"
    return f"clone:{job.account_id}:{job.stored_voice.digest}"


def segment_cache_key(job: SynthesisJob, text: str, model: str) -> str:
    normalised = WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    parts = [settings.TTS_SEGMENT_CACHE_VERSION, job.engine, model, job.language, voice_identity(job), normalised]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def segment_cache_keys(job: SynthesisJob, segments: list[Segment], model: str) -> dict[int, str]:
    """Each segment's key (by primary key), for audio the given model made."""
    return {segment.pk: segment_cache_key(job, segment.text, model) for segment in segments}


def segments_serve_cached(*, job: SynthesisJob, engine: Engine) -> int:
    """Serve the job's queued segments that the cache holds; how many were served."""
    if not settings.TTS_SEGMENT_CACHE:
        return 0
    model = model_in_use(engine_name=engine.name, voice_kind=voice_kind(job))
    if model is None:  # no worker has answered yet: nothing made by the model in use is known
        return 0
    queued = list(job.segments.filter(status=Segment.Status.QUEUED))
    keys = segment_cache_keys(job, queued, model)
    twins = {
        twin.cache_key: twin
        for twin in Segment.objects.filter(cache_key__in=set(keys.values()), status=Segment.Status.READY)
    }
    served = 0
    for segment in queued:
        twin = twins.get(keys[segment.pk])
        if twin is not None and segment_serve_from(segment=segment, twin=twin):
            served += 1
    return served


def segment_serve_from(*, segment: Segment, twin: Segment) -> bool:
    """Copy the twin's audio into the segment and bill it at no cost; False when it could not be."""
    try:
        with twin.audio.open("rb") as stored:
            name = segment_audio_write(segment, stored.read())
    except OSError:  # the twin's job was just deleted: the GPU makes it again
        return False
    with transaction.atomic():
        marked = Segment.objects.filter(pk=segment.pk, status=Segment.Status.QUEUED).update(
            status=Segment.Status.READY, audio=name, duration=twin.duration, cache_key=twin.cache_key, error=""
        )
        if not marked:  # claimed or canceled meanwhile
            transaction.on_commit(lambda: Segment.audio.field.storage.delete(name))
            return False
        job = segment.job
        line = cache_hit_record(
            account_id=job.account_id,
            job_public_id=job.public_id,
            segment_index=segment.index,
            audio_seconds=twin.duration or 0.0,
        )
        job_usage_add(job, line)
    return True
