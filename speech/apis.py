"""OpenAI's speech API (``/v1/audio/speech``, ``/v1/audio/voices``, ``/v1/models``) on the jobs
machinery: a call is a job of the key's account, with its budget, limits and ledger lines, whose
audio streams out segment by segment. Errors on these paths are in OpenAI's shape."""

import json

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.throttling import ApiKeyWriteThrottle
from common.api import StrictCharField
from speech import catalog, streaming
from speech.encoding import encoder_for
from speech.services import speech_job_create
from voices.presets import voice_list
from voices.selectors import voices_listed

ERROR_TYPES = {401: "authentication_error", 402: "insufficient_quota", 403: "permission_error", 429: "rate_limit_error"}
CLIENT_CLOSED_REQUEST = 499  # nginx's word for an answer nobody is left to read, in the access log


def openai_exception_handler(exc, context):
    """The service's answer to an error, in OpenAI's shape: ``{"error": {"message", "type", "code"}}``."""
    if isinstance(exc, streaming.FirstAudioLate):
        response = JsonResponse({"error": exc.message, "code": exc.code}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response["Retry-After"] = str(exc.retry_after)
    else:
        response = api_settings.EXCEPTION_HANDLER(exc, context)
    if response is None:
        return None
    body = json.loads(response.content)
    kind = ERROR_TYPES.get(response.status_code, "server_error" if response.status_code >= 500 else "")
    response.content = json.dumps(
        {
            "error": {
                "message": body["error"],
                "type": kind or "invalid_request_error",
                "param": None,
                "code": body["code"],
            }
        }
    )
    return response


class OpenAIError(serializers.Serializer):
    class Detail(serializers.Serializer):
        message = serializers.CharField()
        type = serializers.CharField(help_text="invalid_request_error, authentication_error, insufficient_quota, ...")
        param = serializers.CharField(allow_null=True)
        code = serializers.CharField(help_text="This service's error code, as in its own error shape.")

    error = Detail()


def openai_errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(OpenAIError, description="In OpenAI's error shape.") for code in statuses}


class OpenAIApi(APIView):
    def get_exception_handler(self):
        return openai_exception_handler


class SpeechInput(serializers.Serializer):
    model = StrictCharField(help_text=", ".join(catalog.MODELS))
    input = StrictCharField(trim_whitespace=False, max_length=catalog.MAX_INPUT_CHARACTERS)
    voice = StrictCharField(help_text="An OpenAI voice, a preset's name, or a stored voice's id.")
    instructions = StrictCharField(required=False, allow_blank=True, default="", max_length=500)
    response_format = serializers.ChoiceField(choices=catalog.RESPONSE_FORMATS, default="mp3")
    speed = serializers.FloatField(
        required=False, default=1.0, min_value=0.25, max_value=4.0, help_text="Time-stretched, pitch kept (WSOLA)."
    )
    stream_format = serializers.ChoiceField(choices=["audio", "sse"], default="audio")

    def validate_model(self, model: str) -> str:
        if model not in catalog.MODELS:
            raise serializers.ValidationError(
                f"Unknown model; use one of {', '.join(catalog.MODELS)}.", "model_not_found"
            )
        return model

    def validate_input(self, text: str) -> str:
        if not text.strip():
            raise serializers.ValidationError("Input is empty.", "blank")
        return text


class SpeechApi(OpenAIApi):
    throttle_classes = [ApiKeyWriteThrottle]
    throttle_scope = "job_create"

    @extend_schema(
        operation_id="openai_speech",
        request=SpeechInput,
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY, description="The audio, streamed as segments are made."),
            **openai_errors(400, 401, 402, 403, 404, 409, 413, 429),
            503: OpenApiResponse(
                OpenAIError,
                description="In OpenAI's error shape: `engine_not_configured`, or `first_audio_timeout` (no audio "
                "within `TTS_SPEECH_FIRST_AUDIO_TIMEOUT` seconds; the job is canceled and `Retry-After` says when "
                "to ask again).",
            ),
        },
        description="OpenAI's `POST /v1/audio/speech`; the call is a job of the key's account. An account "
        "streams at most `TTS_SPEECH_MAX_STREAMS` calls at once: 429 `too_many_streams` over it.",
    )
    def post(self, request):
        data = SpeechInput(data=request.data if isinstance(request.data, dict) else None)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        job = speech_job_create(
            account=request.user.account,
            text=fields["input"],
            voice=catalog.preset_for(fields["voice"]),
            instruct=fields["instructions"],
        )
        if not streaming.first_segment_wait(job=job, client_gone=streaming.client_gone_check(request.META)):
            return HttpResponse(status=CLIENT_CLOSED_REQUEST)
        chunks = streaming.job_audio(job=job, encoder=encoder_for(fields["response_format"]), speed=fields["speed"])
        if fields["stream_format"] == "sse":
            return StreamingHttpResponse(streaming.server_sent_events(chunks), content_type="text/event-stream")
        answer = StreamingHttpResponse(chunks, content_type=catalog.CONTENT_TYPES[fields["response_format"]])
        answer["X-Job-Id"] = job.public_id
        return answer


class VoicesApi(OpenAIApi):
    @extend_schema(operation_id="openai_voices", responses={200: OpenApiTypes.OBJECT, **openai_errors(401, 403)})
    def get(self, request):
        """OpenAI's voices with the presets that speak them, the presets, and the account's voices."""
        openai = [{"id": name, "kind": "openai", "speaks_as": preset} for name, preset in catalog.OPENAI_VOICES.items()]
        presets = [{"id": voice["id"], "kind": "preset", "name": voice["name"]} for voice in voice_list()]
        own = [
            {"id": voice.public_id, "kind": "clone", "name": voice.name}
            for voice in voices_listed(request.user.account)
        ]
        return Response({"voices": openai + presets + own})


class ModelsApi(OpenAIApi):
    @extend_schema(operation_id="openai_models", responses={200: OpenApiTypes.OBJECT, **openai_errors(401, 403)})
    def get(self, request):
        models = [
            {"id": name, "object": "model", "created": 0, "owned_by": "libread-tts", "description": description}
            for name, description in catalog.MODELS.items()
        ]
        return Response({"object": "list", "data": models}, status=status.HTTP_200_OK)
