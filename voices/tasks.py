from celery import shared_task
from django.conf import settings

from engines.base import EngineError, TransientEngineError
from engines.registry import get_engine
from voices import prompts
from voices.models import Voice


@shared_task(bind=True, max_retries=8)
def build_voice_prompt(self, voice_id: int) -> None:
    """Turn a new voice's reference into a clone prompt once, on the default engine's worker."""
    voice = Voice.objects.filter(pk=voice_id).first()
    if voice is None or voice.prompts.exists():
        return
    try:
        prompts.voice_prompt_build(voice=voice, engine=get_engine(settings.TTS_DEFAULT_ENGINE))
    except TransientEngineError as exc:
        # A cold worker or one that failed: ask again later, for about a quarter of an hour in all.
        if self.request.retries >= self.max_retries:
            prompts.voice_prompt_failed(voice=voice, error=str(exc))
            return
        raise self.retry(exc=exc, countdown=min(5 * 2**self.request.retries, 300)) from None
    except EngineError as exc:
        prompts.voice_prompt_failed(voice=voice, error=str(exc))
