"""A complete job's audio in mp3, Ogg (Opus) and FLAC: made by a Celery task, never on a web thread.

The format a job was asked for is converted as soon as the job completes; another is converted when
first asked for, and answered 202 until then. A marker file beside the audio says a conversion is
pending, so clients polling a format not made yet send one task between them, not one each. A
marker older than a task may run no longer counts (its message was lost with a broker, or its worker
died), and the next request sends the task again (two that both find it stale may both send). A
task that finds the file made returns at once.
"""

import logging
import os
import time
from pathlib import Path

from django.conf import settings

from synthesis import audio
from synthesis.models import SynthesisJob

logger = logging.getLogger(__name__)


def job_audio_file(job: SynthesisJob, audio_format: str) -> Path:
    """Where the complete job's audio in the format is, or will be once converted."""
    wav = Path(job.audio.path)
    return wav if audio_format == "wav" else audio.format_path(wav, audio_format)


def pending_marker(path: Path) -> Path:
    return path.with_name(f"{path.name}.pending")


def job_format_request(*, job_id: int) -> None:
    """Send the conversion to the format a complete job was asked for, the one its audio_url names."""
    job = SynthesisJob.objects.filter(pk=job_id, status=SynthesisJob.Status.COMPLETE).first()
    if job is not None and job.format != "wav":
        job_audio_conversion_request(job, job.format)


def job_audio_conversion_request(job: SynthesisJob, audio_format: str) -> bool:
    """Send the format's conversion unless one is pending; whether it was sent."""
    from synthesis.tasks import convert_job_audio

    marker = pending_marker(job_audio_file(job, audio_format))
    if not marker_claim(marker):
        return False
    try:
        convert_job_audio.delay(job.pk, audio_format)
    except Exception:  # whatever the transport raises: the client is answered 202 and its next request asks again
        marker.unlink(missing_ok=True)
        logger.warning("The conversion of job %s to %s was not sent", job.public_id, audio_format, exc_info=True)
        return False
    return True


def marker_claim(marker: Path) -> bool:
    """Create the marker, or renew one gone stale; False while a fresh one is there."""
    try:
        if time.time() - marker.stat().st_mtime < settings.CELERY_TASK_TIME_LIMIT:
            return False
        marker.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:  # another request made it first
        return False
    return True


def job_audio_convert(*, job_id: int, audio_format: str) -> None:
    """Make the complete job's audio in the format, unless it is made already; its marker goes either way."""
    job = SynthesisJob.objects.filter(pk=job_id, status=SynthesisJob.Status.COMPLETE).first()
    if job is None:  # deleted since it was asked for
        return
    path = job_audio_file(job, audio_format)
    try:
        if not path.exists():
            audio.convert(Path(job.audio.path), path, audio_format)
    except Exception:
        if SynthesisJob.objects.filter(pk=job_id).exists():
            raise
        # Deleted while it was converted: its folder went, and with it what was written.
    finally:
        pending_marker(path).unlink(missing_ok=True)
