from django.db import models


class WorkerRequest(models.Model):
    """One request to a GPU worker: who served it, how long it took, what it answered.

    Written for every request that reached a worker, failed ones too, so spend and faults can be
    traced per worker. ``job_public_id`` names the job it worked for (blank for a clone prompt);
    it outlives the job, as records do. A request whose answer the service lost (it could not
    store the audio, or the task waiting for the answer stopped) is kept too, marked
    ``answer_lost``: the GPU worked, but its segments were sent again and nobody is billed twice.
    """

    job_public_id = models.CharField(max_length=64, blank=True, db_index=True)
    engine = models.CharField(max_length=20)
    segment_indexes = models.JSONField(default=list, blank=True)
    characters = models.PositiveIntegerField(default=0)
    worker_url = models.CharField(max_length=200, blank=True)
    instance_id = models.CharField(max_length=64, blank=True, db_index=True)
    model = models.CharField(max_length=200, blank=True)
    request_idx = models.BigIntegerField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency = models.FloatField(null=True, blank=True, help_text="Seconds of the worker call.")
    gpu_seconds = models.FloatField(null=True, blank=True, help_text="Generation time the worker reported.")
    price_per_hour = models.DecimalField(max_digits=10, decimal_places=5, null=True, blank=True)
    error = models.TextField(blank=True)
    answer_lost = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.job_public_id or 'prompt'} → {self.instance_id or self.worker_url or '?'} ({self.http_status})"


class GpuInstance(models.Model):
    """A worker instance's price, looked up from the Vast.ai console and kept for a while."""

    instance_id = models.CharField(max_length=64, unique=True)
    dph_total = models.DecimalField("dollars per hour", max_digits=10, decimal_places=5)
    gpu_name = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.instance_id} ({self.gpu_name or 'GPU'}, ${self.dph_total}/h)"


class VastaiDeployment(models.Model):
    """What `vastai_sync` made on Vast.ai, and the fields it last sent for each part."""

    endpoint_name = models.CharField(max_length=255, unique=True)
    endpoint_id = models.BigIntegerField(null=True, blank=True)
    endpoint_api_key = models.CharField(max_length=200, blank=True)
    template_id = models.BigIntegerField(null=True, blank=True)
    template_hash = models.CharField(max_length=100, blank=True)
    template_fields = models.JSONField(default=dict, blank=True)
    workergroup_id = models.BigIntegerField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.endpoint_name} (endpoint {self.endpoint_id})"


class ModelInUse(models.Model):
    """The model an engine's workers last answered with, for preset or cloned voices.

    The segment cache serves audio only if it was made by the model in use now, and a worker says
    its model only in its answers: this is the last one said.
    """

    class VoiceKind(models.TextChoices):
        PRESET = "preset"
        CLONE = "clone"

    engine = models.CharField(max_length=20)
    voice_kind = models.CharField(max_length=10, choices=VoiceKind.choices)
    model = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "models in use"
        constraints = [models.UniqueConstraint(fields=["engine", "voice_kind"], name="one_model_in_use_per_kind")]

    def __str__(self) -> str:
        return f"{self.engine} {self.voice_kind}: {self.model}"
