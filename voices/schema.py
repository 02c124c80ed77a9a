"""The voices API's answers as the OpenAPI schema documents them (tests/api/test_schema.py checks
the answers against it)."""

from rest_framework import serializers

from voices import models


class Voice(serializers.Serializer):
    """A voice in LibRead's list shape (``short_name``, ``name``, ``gender``, ``locale``): a preset,
    or a stored clone with what the library knows of it."""

    id = serializers.CharField(help_text="What a job's `voice` takes.")
    short_name = serializers.CharField()
    name = serializers.CharField()
    gender = serializers.CharField()
    locale = serializers.CharField()
    kind = serializers.ChoiceField(choices=["preset", "clone"])
    description = serializers.CharField(required=False, help_text="Presets only.")
    language = serializers.CharField(required=False, help_text="Clones only, as are the fields below.")
    ref_text = serializers.CharField(required=False)
    duration = serializers.FloatField(required=False, help_text="Seconds of reference audio.")
    sample_rate = serializers.IntegerField(required=False)
    prompt_status = serializers.ChoiceField(choices=models.Voice.PromptStatus.choices, required=False)
    prompt_error = serializers.CharField(required=False, allow_null=True)
    created_at = serializers.DateTimeField(required=False)


class VoiceList(serializers.Serializer):
    voices = Voice(many=True)


class VoiceDeleted(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField(default="deleted")
