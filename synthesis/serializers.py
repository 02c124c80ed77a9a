from django.urls import reverse
from rest_framework import serializers

from common.api import StrictCharField
from synthesis import audio
from synthesis.models import Segment, SynthesisJob
from synthesis.selectors import segments_for_poll
from voices.validation import REF_TEXT_MAX_LENGTH, decode_base64_audio


class JobCreateInput(serializers.Serializer):
    text = StrictCharField(trim_whitespace=False)
    engine = StrictCharField(required=False)
    language = StrictCharField(required=False, default="auto")
    voice = StrictCharField(required=False, default="default")
    voice_data = StrictCharField(required=False)
    ref_text = StrictCharField(required=False, allow_blank=True, default="", max_length=REF_TEXT_MAX_LENGTH)
    instruct = StrictCharField(required=False, allow_blank=True, default="", max_length=500)
    format = serializers.ChoiceField(choices=list(audio.FORMATS), required=False, default="wav")

    def validate_text(self, text: str) -> str:
        if not text.strip():
            raise serializers.ValidationError("Text is empty.", code="blank")
        return text

    def validate_voice_data(self, voice_data: str) -> bytes:
        return decode_base64_audio(voice_data)


def segment_json(segment: Segment, job: SynthesisJob) -> dict:
    ready = segment.status == Segment.Status.READY
    return {
        "id": segment.index,
        "index": segment.index,
        "status": segment.status,
        "audio_url": reverse("segment-audio", args=[job.public_id, segment.index]) if ready else None,
        "duration": segment.duration,
        "error": segment.error or None,
    }


def job_json(job: SynthesisJob) -> dict:
    segments = segments_for_poll(job)
    ready = [segment for segment in segments if segment.status == Segment.Status.READY]
    complete = job.status == SynthesisJob.Status.COMPLETE
    return {
        "job_id": job.public_id,
        "status": job.status,
        "engine": job.engine,
        "language": job.language,
        "voice": job.voice,
        "format": job.format,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "message": job.message or None,
        "error": job.error or None,
        "progress": {"segments_total": len(segments), "segments_ready": len(ready)},
        "segments": [segment_json(segment, job) for segment in segments],
        "audio_url": reverse("job-audio", args=[job.public_id, job.format]) if complete else None,
        "duration": job.duration,
        "sample_rate": audio.SAMPLE_RATE,
        "usage": {
            "characters": job.usage_characters,
            "audio_seconds": float(job.usage_audio_seconds),
            "gpu_seconds": float(job.usage_gpu_seconds),
            "cost_usd": float(job.usage_cost_usd),
        },
    }
