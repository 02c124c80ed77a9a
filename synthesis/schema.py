"""The jobs API's answers as the OpenAPI schema documents them. The views build plain dicts
(serializers.py); tests/api/test_schema.py checks each answer has exactly the documented fields."""

from rest_framework import serializers

from synthesis import models


class Segment(serializers.Serializer):
    id = serializers.IntegerField(help_text="The segment's index, as LibRead's client reads it.")
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=models.Segment.Status.choices)
    audio_url = serializers.CharField(allow_null=True, help_text="Set once the segment is ready.")
    duration = serializers.FloatField(allow_null=True, help_text="Seconds of audio, once ready.")
    error = serializers.CharField(allow_null=True)


class Progress(serializers.Serializer):
    segments_total = serializers.IntegerField()
    segments_ready = serializers.IntegerField()


class Usage(serializers.Serializer):
    characters = serializers.IntegerField(help_text="Characters a GPU spoke (cache hits add none).")
    audio_seconds = serializers.FloatField()
    gpu_seconds = serializers.FloatField()
    cost_usd = serializers.FloatField()


class Job(serializers.Serializer):
    job_id = serializers.CharField(help_text="`<engine>_<unix ms>_<9 base36 characters>`")
    status = serializers.ChoiceField(choices=models.SynthesisJob.Status.choices)
    engine = serializers.CharField()
    language = serializers.CharField()
    voice = serializers.CharField()
    format = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    message = serializers.CharField(allow_null=True, help_text="What is happening, e.g. waiting for a GPU worker.")
    error = serializers.CharField(allow_null=True)
    progress = Progress()
    segments = Segment(many=True)
    audio_url = serializers.CharField(allow_null=True, help_text="Set once the job is complete.")
    duration = serializers.FloatField(allow_null=True)
    sample_rate = serializers.IntegerField()
    usage = Usage()


class NotReady(serializers.Serializer):
    status = serializers.ChoiceField(choices=models.SynthesisJob.Status.choices)
    message = serializers.CharField()


class Deleted(serializers.Serializer):
    job_id = serializers.CharField()
    status = serializers.CharField(default="deleted")


class HealthLimits(serializers.Serializer):
    job_max_characters = serializers.IntegerField()
    retention_hours = serializers.IntegerField()


class Health(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    database = serializers.CharField(help_text="`ok` or `unavailable` (why is in the service's log)")
    broker = serializers.CharField(help_text="`ok` or `unavailable` (why is in the service's log)")
    default_engine = serializers.CharField()
    engines = serializers.DictField(
        child=serializers.DictField(),
        help_text="Every engine the service knows: whether clients may choose it (`enabled`), whether it is "
        "configured or which settings are missing, and an enabled engine's state (the local worker's readiness "
        "and models).",
    )
    limits = HealthLimits()
