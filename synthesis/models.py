import secrets
import string
import time
from pathlib import PurePosixPath

from django.db import models

from accounts.models import Account

BASE36 = string.digits + string.ascii_lowercase


def new_public_id(engine: str) -> str:
    """``<engine>_<unix ms>_<9 base36 characters>``, the shape LibRead's own handler used."""
    suffix = "".join(secrets.choice(BASE36) for _ in range(9))
    return f"{engine}_{int(time.time() * 1000)}_{suffix}"


def job_audio_path(job: "SynthesisJob", filename: str) -> str:
    return str(PurePosixPath("jobs", job.public_id, filename))


def segment_audio_path(segment: "Segment", filename: str) -> str:
    return str(PurePosixPath("jobs", segment.job.public_id, "segments", filename))


class SynthesisJob(models.Model):
    class Status(models.TextChoices):
        # The only words LibRead's client understands; `complete`, not `completed`.
        PROCESSING = "processing"
        QUEUED = "queued"
        COMPLETE = "complete"
        ERROR = "error"
        CANCELED = "canceled"

    FINISHED = (Status.COMPLETE, Status.ERROR, Status.CANCELED)
    UNFINISHED = (Status.PROCESSING, Status.QUEUED)

    public_id = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="jobs")
    engine = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROCESSING)
    message = models.TextField(blank=True, help_text="What is happening, for a client polling the job.")
    error = models.TextField(blank=True)

    text = models.TextField()
    language = models.CharField(max_length=20, default="auto")
    voice = models.CharField(max_length=100, default="default")
    stored_voice = models.ForeignKey(
        "voices.Voice", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs",
        help_text="The cloned voice, stored or inline, whose prompt every segment uses.",
    )  # fmt: skip
    instruct = models.TextField(blank=True)
    format = models.CharField(max_length=10, default="wav")
    seed = models.PositiveIntegerField(help_text="One sampling seed for every segment, so the voice stays the same.")

    audio = models.FileField(upload_to=job_audio_path, blank=True)
    duration = models.FloatField(null=True, blank=True)

    # The sums of the job's ledger lines, added as each is written: a poll reads, never sums.
    usage_characters = models.PositiveIntegerField(default=0)
    usage_audio_seconds = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    usage_gpu_seconds = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    usage_cost_usd = models.DecimalField(max_digits=14, decimal_places=6, default=0)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True, help_text="Since when no GPU worker was ready.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The second counts an account's running jobs at every admission.
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class Segment(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        READY = "ready"
        ERROR = "error"
        CANCELED = "canceled"

    job = models.ForeignKey(SynthesisJob, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    text = models.TextField()
    # Where the segment's text sits in the job's text: [text_start, text_end), from its first
    # character to just past its last (the segment's own text has its whitespace collapsed).
    text_start = models.PositiveIntegerField(null=True, blank=True)
    text_end = models.PositiveIntegerField(null=True, blank=True)
    pause_after_ms = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    audio = models.FileField(upload_to=segment_audio_path, blank=True)
    duration = models.FloatField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    cache_key = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="What the audio is of (synthesis/cache.py), once ready."
    )
    # A claim is a lease: the task that set claim_token owns the segment until claimed_at plus
    # TTS_CLAIM_LEASE_SECONDS; after that another task may claim it again.
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="unique_segment_index")]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"{self.job.public_id} #{self.index}"
