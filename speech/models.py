from django.db import models

from synthesis.models import SynthesisJob


class SpeechStream(models.Model):
    """A job made by ``POST /v1/audio/speech``. Its call streams while the job is unfinished, so an
    account's open streams are counted here, the same in every web process."""

    job = models.OneToOneField(SynthesisJob, on_delete=models.CASCADE, primary_key=True, related_name="speech_stream")

    def __str__(self) -> str:
        return self.job.public_id
