from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttling import ApiKeyWriteThrottle
from common.api import JSONParser, MultiPartParser, StrictCharField
from common.errors import NotFound, TooLarge
from common.schema import KEYED, error_responses
from voices import schema, services
from voices.models import Voice
from voices.presets import voice_list
from voices.selectors import voices_listed
from voices.validation import REF_TEXT_MAX_LENGTH, decode_base64_audio, validate_reference


def voice_json(voice: Voice) -> dict:
    """A stored voice in LibRead's voice list shape, plus what the library knows of it."""
    return {
        "id": voice.public_id,
        "short_name": voice.public_id,
        "name": voice.name,
        "gender": voice.gender,
        "locale": voice.locale,
        "kind": "clone",
        "language": voice.language,
        "ref_text": voice.ref_text,
        "duration": voice.duration,
        "sample_rate": voice.sample_rate,
        "prompt_status": voice.prompt_status,
        "prompt_error": voice.prompt_error or None,
        "created_at": voice.created_at,
    }


def voice_get(request, voice_id: str) -> Voice:
    voice = voices_listed(request.user.account).filter(public_id=voice_id).first()
    if voice is None:
        raise NotFound("Voice not found", "not_found")
    return voice


class VoiceFields(serializers.Serializer):
    name = StrictCharField(max_length=100)
    language = StrictCharField(required=False, default="auto")
    gender = StrictCharField(required=False, allow_blank=True, default="", max_length=20)
    locale = StrictCharField(required=False, allow_blank=True, default="", max_length=20)


class VoiceCreateInput(VoiceFields):
    ref_text = StrictCharField(required=False, allow_blank=True, default="", max_length=REF_TEXT_MAX_LENGTH)
    audio_base64 = StrictCharField(required=False)
    audio = serializers.FileField(required=False)

    def validate(self, data):
        if bool(data.get("audio_base64")) == bool(data.get("audio")):
            raise serializers.ValidationError(
                "Send the reference audio as an `audio` file (multipart) or as `audio_base64` (JSON).",
                code="missing_audio",
            )
        return data


class VoiceUpdateInput(VoiceFields):
    name = StrictCharField(required=False, max_length=100)


class VoiceCollectionApi(APIView):
    throttle_classes = [ApiKeyWriteThrottle]
    parser_classes = [JSONParser, MultiPartParser]  # a recording uploads best as a file
    throttle_scope = "voice_upload"

    @extend_schema(operation_id="voice_list", responses={200: schema.VoiceList, **error_responses(*KEYED)})
    def get(self, request):
        own = voices_listed(request.user.account)
        return Response({"voices": voice_list() + [voice_json(voice) for voice in own]})

    @extend_schema(
        operation_id="voice_create",
        request={"application/json": VoiceCreateInput, "multipart/form-data": VoiceCreateInput},
        responses={201: schema.Voice, **error_responses(400, *KEYED, 413, 415, 429)},
        description="Store a cloned voice from 5-30 s of clear speech; its prompt is built in the background.",
    )
    def post(self, request):
        data = VoiceCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if fields.get("audio"):
            upload = fields["audio"]
            if upload.size > settings.TTS_VOICE_DATA_MAX_BYTES:
                raise TooLarge("Reference audio is too large", "reference_too_large")
            data = upload.read()
        else:
            data = decode_base64_audio(fields["audio_base64"])
        voice = services.voice_create(
            account=request.user.account,
            name=fields["name"],
            reference=validate_reference(data),
            ref_text=fields["ref_text"],
            language=fields["language"],
            gender=fields["gender"],
            locale=fields["locale"],
        )
        return Response(voice_json(voice), status=status.HTTP_201_CREATED)


class VoiceDetailApi(APIView):
    @extend_schema(operation_id="voice_get", responses={200: schema.Voice, **error_responses(*KEYED, 404)})
    def get(self, request, voice_id: str):
        return Response(voice_json(voice_get(request, voice_id)))

    @extend_schema(
        operation_id="voice_update",
        request=VoiceUpdateInput,
        responses={200: schema.Voice, **error_responses(400, *KEYED, 404, 415)},
    )
    def patch(self, request, voice_id: str):
        voice = voice_get(request, voice_id)
        data = VoiceUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(voice_json(services.voice_update(voice=voice, **data.validated_data)))

    @extend_schema(operation_id="voice_delete", responses={200: schema.VoiceDeleted, **error_responses(*KEYED, 404)})
    def delete(self, request, voice_id: str):
        services.voice_delete(voice=voice_get(request, voice_id))
        return Response({"id": voice_id, "status": "deleted"})
