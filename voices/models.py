import secrets
import string
from pathlib import PurePosixPath

from django.db import models

from accounts.models import Account

BASE36 = string.digits + string.ascii_lowercase


def new_voice_id() -> str:
    return "voice_" + "".join(secrets.choice(BASE36) for _ in range(10))


def reference_path(voice: "Voice", filename: str) -> str:
    return str(PurePosixPath("voices", voice.public_id, filename))


class Voice(models.Model):
    """A stored cloned voice: reference audio, its transcript, and the clone prompts built from it."""

    class PromptStatus(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        ERROR = "error"

    public_id = models.CharField(max_length=32, unique=True, default=new_voice_id)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="voices")
    name = models.CharField(max_length=100)
    language = models.CharField(max_length=20, default="auto")
    gender = models.CharField(max_length=20, blank=True)
    locale = models.CharField(max_length=20, blank=True)
    reference = models.FileField(upload_to=reference_path)
    ref_text = models.TextField(blank=True, help_text="Transcript; with it the clone uses in-context mode.")
    duration = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    digest = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the reference and transcript.")
    inline = models.BooleanField(default=False, help_text="Made from a job's voice_data, not listed.")
    prompt_status = models.CharField(max_length=10, choices=PromptStatus.choices, default=PromptStatus.PENDING)
    prompt_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class VoicePrompt(models.Model):
    """A reusable clone prompt. One per model: a prompt is useless to any other model."""

    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="prompts")
    model = models.CharField(max_length=200)
    mode = models.CharField(max_length=10)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The newest built first: a rebuilt prompt is the one jobs should use next.
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["voice", "model"], name="one_prompt_per_model")]

    def __str__(self) -> str:
        return f"{self.voice} for {self.model}"
