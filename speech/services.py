"""Admitting a speech call: its job, within the account's cap on calls streaming at once."""

from django.conf import settings
from django.db import transaction

from accounts.models import Account
from common.errors import LimitReached
from speech.models import SpeechStream
from synthesis import intake
from synthesis.models import SynthesisJob


def speech_job_create(*, account: Account, text: str, voice: str, instruct: str) -> SynthesisJob:
    """The call's job, refused while the account streams TTS_SPEECH_MAX_STREAMS calls already.

    The streams are counted under the account's lock, in the transaction that creates the job (the
    lock the job's own admission takes), so calls made together cannot both pass at the cap.
    """
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        streaming = SpeechStream.objects.filter(job__account=locked, job__status__in=SynthesisJob.UNFINISHED).count()
        most = settings.TTS_SPEECH_MAX_STREAMS
        if streaming >= most:
            raise LimitReached(
                f"{streaming} speech calls are still streaming; an account may stream {most} at once. "
                "Wait for one to finish.",
                "too_many_streams",
            )
        job = intake.job_create(
            account=account, text=text, engine=settings.TTS_DEFAULT_ENGINE, voice=voice, instruct=instruct
        )
        SpeechStream.objects.create(job=job)
    return job
