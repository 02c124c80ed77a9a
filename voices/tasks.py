from celery import shared_task
from django.conf import settings

from engines.registry import get_engine
from voices import prompts
from voices.models import Voice


@shared_task
def build_voice_prompt(voice_id: int, ticket: int | None = None) -> None:
    """Turn a new voice's reference into a clone prompt once, on the default engine's worker.

    Waits happen in the run, not as broker countdowns (see synthesis.tasks).
    """
    voice = Voice.objects.filter(pk=voice_id).first()
    if voice is None or voice.prompts.exists():
        return
    resume = prompts.voice_prompt_build_in_time(
        voice=voice, engine=get_engine(settings.TTS_DEFAULT_ENGINE), ticket=ticket
    )
    if resume is not None:
        build_voice_prompt.delay(voice_id, resume.ticket)
