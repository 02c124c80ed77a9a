"""The jobs API. Views parse input, call services or selectors, and shape answers."""

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.http import http_date
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttling import ApiKeyWriteThrottle
from common.errors import Conflict, InvalidInput
from engines.registry import engine_names, get_engine
from synthesis import audio, intake, lifecycle
from synthesis.http import audio_file_response, matches, not_modified
from synthesis.models import Segment, SynthesisJob
from synthesis.selectors import job_for_poll, job_get, segment_get
from synthesis.serializers import JobCreateInput, job_json


def not_ready(job: SynthesisJob, what: str) -> Response:
    return Response(
        {"status": job.status, "message": f"{what} not ready yet"},
        status=status.HTTP_202_ACCEPTED,
        headers={"Retry-After": str(settings.TTS_RETRY_AFTER_SECONDS)},
    )


def job_validators(job: SynthesisJob) -> dict[str, str]:
    """Every change to a job or its segments moves its updated_at (synthesis/segments.py)."""
    return {
        "ETag": f'"{job.public_id}.{job.updated_at.timestamp():.6f}"',
        "Last-Modified": http_date(job.updated_at.timestamp()),
        "Cache-Control": "private, no-cache",
    }


class JobCollectionApi(APIView):
    throttle_classes = [ApiKeyWriteThrottle]
    throttle_scope = "job_create"

    def post(self, request):
        body = request.data if isinstance(request.data, dict) else None
        if body is None:
            raise InvalidInput("The request body must be a JSON object.", "invalid_body")
        engine = request.query_params.get("engine") or body.get("engine") or settings.TTS_DEFAULT_ENGINE
        data = JobCreateInput(data=body)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        job = intake.job_create(
            account=request.user.account,
            text=fields["text"],
            engine=engine,
            language=fields["language"],
            voice=fields["voice"],
            instruct=fields["instruct"],
            voice_data=fields.get("voice_data"),
            ref_text=fields["ref_text"],
            audio_format=fields["format"],
        )
        return Response(job_json(job), status=status.HTTP_202_ACCEPTED)


class JobDetailApi(APIView):
    def get(self, request, job_id: str):
        """The job's JSON, or 304 while the poller's ETag is still the job's: one query, no document built."""
        job = job_for_poll(account=request.user.account, public_id=job_id)
        validators = job_validators(job)
        if matches(request, validators["ETag"]):
            return not_modified(validators)
        return Response(job_json(job), headers=validators)

    def delete(self, request, job_id: str):
        job = job_get(account=request.user.account, public_id=job_id)
        lifecycle.job_delete(job=job)
        return Response({"job_id": job_id, "status": "deleted"})


class JobCancelApi(APIView):
    def post(self, request, job_id: str):
        job = lifecycle.job_cancel(job=job_get(account=request.user.account, public_id=job_id))
        return Response(job_json(job))


class JobRetryApi(APIView):
    def post(self, request, job_id: str):
        job = lifecycle.job_retry(job=job_get(account=request.user.account, public_id=job_id))
        return Response(job_json(job), status=status.HTTP_202_ACCEPTED)


class JobAudioApi(APIView):
    def get(self, request, job_id: str, audio_format: str):
        job = job_get(account=request.user.account, public_id=job_id)
        if audio_format not in audio.FORMATS:
            raise InvalidInput(f"Unknown format {audio_format!r}: use one of {', '.join(audio.FORMATS)}", "bad_format")
        if job.status != SynthesisJob.Status.COMPLETE:
            return not_ready(job, "Audio")
        path = audio.converted(Path(job.audio.path), audio_format)
        etag = f"{job.public_id}-{job.finished_at.timestamp():.0f}-{audio_format}"
        return audio_file_response(
            request, path, audio.content_type(audio_format), etag, f"{job.public_id}.{audio_format}"
        )


class SegmentAudioApi(APIView):
    def get(self, request, job_id: str, index: int):
        job = job_get(account=request.user.account, public_id=job_id)
        segment = segment_get(job=job, index=index)
        if segment.status in (Segment.Status.ERROR, Segment.Status.CANCELED):
            raise Conflict(
                f"Segment {index} is {segment.status}: {segment.error or 'it will not be made'}", "segment_unavailable"
            )
        if segment.status != Segment.Status.READY:
            return not_ready(job, "Segment audio")
        etag = f"{job.public_id}-{segment.index}-{segment.attempts}"
        filename = f"{job.public_id}-{segment.index}.wav"
        return audio_file_response(request, Path(segment.audio.path), audio.content_type("wav"), etag, filename)


class HealthApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        try:
            connection.ensure_connection()
            database = "ok"
        except Exception as exc:
            database = f"unavailable: {exc}"
        engines = {}
        for name in engine_names():
            engine = get_engine(name)
            missing = engine.missing_configuration()
            engines[name] = {"configured": False, "missing": missing} if missing else engine.health()
        return Response(
            {
                "status": "ok" if database == "ok" else "degraded",
                "database": database,
                "default_engine": settings.TTS_DEFAULT_ENGINE,
                "engines": engines,
                "anonymous_account": settings.TTS_ANONYMOUS_ACCOUNT or None,
                "limits": {
                    "job_max_characters": settings.TTS_JOB_MAX_CHARACTERS,
                    "retention_hours": settings.TTS_JOB_RETENTION_HOURS,
                },
            }
        )
