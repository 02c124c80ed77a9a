"""The jobs API. Views parse input, call services or selectors, and shape answers."""

import logging
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttling import ApiKeyWriteThrottle
from common.errors import Conflict, InvalidInput
from common.schema import KEYED, error_responses
from engines.registry import engine_enabled, engine_names, get_engine
from synthesis import audio, conversions, intake, lifecycle, schema
from synthesis.http import audio_file_response, matches, not_modified
from synthesis.models import Segment, SynthesisJob
from synthesis.selectors import job_for_poll, job_get, segment_get
from synthesis.serializers import JobCreateInput, job_json

logger = logging.getLogger(__name__)


def not_ready(job: SynthesisJob, what: str) -> Response:
    return Response(
        {"status": job.status, "message": f"{what} not ready yet"},
        status=status.HTTP_202_ACCEPTED,
        headers={"Retry-After": str(settings.TTS_RETRY_AFTER_SECONDS)},
    )


NOT_READY = OpenApiResponse(schema.NotReady, description="Not ready yet; `Retry-After` says when to ask again.")
AUDIO = OpenApiResponse(OpenApiTypes.BINARY, description="The audio; `Range` requests are answered with 206.")
PARTIAL = OpenApiResponse(OpenApiTypes.BINARY, description="The requested range of the audio.")
NOT_MODIFIED = OpenApiResponse(description="Unchanged since the `ETag` sent in `If-None-Match`; no body.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER, description="The `ETag` of the last answer: 304 while unchanged."
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

    @extend_schema(
        operation_id="job_create",
        request=JobCreateInput,
        parameters=[
            OpenApiParameter("engine", str, description="The engine, over the body's (LibRead sends it here).")
        ],
        responses={202: schema.Job, **error_responses(400, *KEYED, 402, 404, 413, 415, 429, 503)},
        description="Submit text; the job is accepted as `processing` and synthesized in the background.",
    )
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
    @extend_schema(
        operation_id="job_get",
        parameters=[IF_NONE_MATCH],
        responses={200: schema.Job, 304: NOT_MODIFIED, **error_responses(*KEYED, 404)},
    )
    def get(self, request, job_id: str):
        """The job's JSON, or 304 while the poller's ETag is still the job's: one query, no document built."""
        job = job_for_poll(account=request.user.account, public_id=job_id)
        validators = job_validators(job)
        if matches(request, validators["ETag"]):
            return not_modified(validators)
        return Response(job_json(job), headers=validators)

    @extend_schema(operation_id="job_delete", responses={200: schema.Deleted, **error_responses(*KEYED, 404)})
    def delete(self, request, job_id: str):
        job = job_get(account=request.user.account, public_id=job_id)
        lifecycle.job_delete(job=job)
        return Response({"job_id": job_id, "status": "deleted"})


class JobCancelApi(APIView):
    @extend_schema(operation_id="job_cancel", request=None, responses={200: schema.Job, **error_responses(*KEYED, 404)})
    def post(self, request, job_id: str):
        job = lifecycle.job_cancel(job=job_get(account=request.user.account, public_id=job_id))
        return Response(job_json(job))


class JobRetryApi(APIView):
    @extend_schema(
        operation_id="job_retry",
        request=None,
        responses={202: schema.Job, **error_responses(*KEYED, 402, 404, 409, 429)},
        description="Run a failed or canceled job's unfinished segments again.",
    )
    def post(self, request, job_id: str):
        job = lifecycle.job_retry(job=job_get(account=request.user.account, public_id=job_id))
        return Response(job_json(job), status=status.HTTP_202_ACCEPTED)


class JobAudioApi(APIView):
    @extend_schema(
        operation_id="job_audio",
        parameters=[OpenApiParameter("audio_format", str, OpenApiParameter.PATH, enum=list(audio.FORMATS))],
        responses={
            200: AUDIO,
            202: NOT_READY,
            206: PARTIAL,
            304: NOT_MODIFIED,
            **error_responses(400, *KEYED, 404, 416),
        },
        description="The job's audio: `202` until the job is complete, then the WAV; mp3, ogg (Opus) and flac "
        "are converted after completion and answered `202` until they are made.",
    )
    def get(self, request, job_id: str, audio_format: str):
        job = job_get(account=request.user.account, public_id=job_id)
        if audio_format not in audio.FORMATS:
            raise InvalidInput(f"Unknown format {audio_format!r}: use one of {', '.join(audio.FORMATS)}", "bad_format")
        if job.status != SynthesisJob.Status.COMPLETE:
            return not_ready(job, "Audio")
        path = conversions.job_audio_file(job, audio_format)
        if not path.exists():
            conversions.job_audio_conversion_request(job, audio_format)
            return not_ready(job, f"{audio_format.upper()} audio")
        etag = f"{job.public_id}-{job.finished_at.timestamp():.0f}-{audio_format}"
        return audio_file_response(
            request, path, audio.content_type(audio_format), etag, f"{job.public_id}.{audio_format}"
        )


class SegmentAudioApi(APIView):
    @extend_schema(
        operation_id="segment_audio",
        responses={
            200: AUDIO,
            202: NOT_READY,
            206: PARTIAL,
            304: NOT_MODIFIED,
            **error_responses(*KEYED, 404, 409, 416),
        },
        description="One segment's WAV, playable while the rest of the job is made.",
    )
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


def database_state() -> str:
    try:
        connection.ensure_connection()
    except Exception:  # whatever the driver raises, health answers; why is for the operator's log
        logger.warning("health: the database is unavailable", exc_info=True)
        return "unavailable"
    return "ok"


def broker_state() -> str:
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0, timeout=2)
    except Exception:  # whatever the transport raises, health answers; why is for the operator's log
        logger.warning("health: the message broker is unavailable", exc_info=True)
        return "unavailable"
    return "ok"


def engine_state(name: str) -> dict:
    engine = get_engine(name)
    missing = engine.missing_configuration()
    state = {"enabled": engine_enabled(name), "configured": not missing}
    if missing:
        return {**state, "missing": missing}
    return {**state, **engine.health()} if state["enabled"] else state


class HealthApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health",
        responses={
            200: schema.Health,
            503: OpenApiResponse(schema.Health, description="The database or the message broker is unreachable."),
        },
    )
    def get(self, request):
        """503 when jobs can be neither stored nor run: the database or the broker is down."""
        database, broker = database_state(), broker_state()
        engines = {name: engine_state(name) for name in engine_names()}
        up = database == broker == "ok"
        return Response(
            {
                "status": "ok" if up else "unavailable",
                "database": database,
                "broker": broker,
                "default_engine": settings.TTS_DEFAULT_ENGINE,
                "engines": engines,
                "limits": {
                    "job_max_characters": settings.TTS_JOB_MAX_CHARACTERS,
                    "retention_hours": settings.TTS_JOB_RETENTION_HOURS,
                },
            },
            status=status.HTTP_200_OK if up else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
