"""mp3, Ogg (Opus) and FLAC are made by a Celery task after the job completes, never on a web thread:
until the task has run a request is answered 202 with Retry-After, and asks for the task once."""

import io

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile

from synthesis import audio, conversions, dispatch, intake, tasks
from synthesis.models import Segment, SynthesisJob
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db

TEXT = "One sentence here. Another one there."


def complete(job: SynthesisJob) -> SynthesisJob:
    wav = audio.encode((0.3 * np.sin(np.arange(24000) / 7)).astype(np.float32), 24000)
    for segment in job.segments.all():
        segment.audio.save(f"{segment.index:05d}.wav", ContentFile(wav), save=False)
        segment.status, segment.duration = Segment.Status.READY, 1.0
        segment.save()
    dispatch.job_close_if_done(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def job(owner):
    return complete(intake.job_create(account=owner.account, text=TEXT, engine="local"))


def test_the_wav_is_served_as_soon_as_the_job_completes(owner, job):
    response = owner.get(f"{JOBS}/{job.public_id}/audio.wav")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("audio_format", "content_type"), [("mp3", "audio/mpeg"), ("ogg", "audio/ogg"), ("flac", "audio/flac")]
)
def test_another_format_is_202_with_retry_after_until_converted_then_its_audio(owner, job, audio_format, content_type):
    url = f"{JOBS}/{job.public_id}/audio.{audio_format}"

    waiting = owner.get(url)
    again = owner.get(url)
    tasks.convert_job_audio(job.pk, audio_format)
    made = owner.get(url)

    assert (waiting.status_code, waiting["Retry-After"]) == (202, "1")
    assert waiting.json() == {"status": "complete", "message": f"{audio_format.upper()} audio not ready yet"}
    assert again.status_code == 202
    assert (made.status_code, made["Content-Type"]) == (200, content_type)
    samples, sample_rate = sf.read(io.BytesIO(b"".join(made.streaming_content)))
    assert sample_rate == 24000
    assert len(samples) / 24000 == pytest.approx(job.duration, abs=0.1)
    assert np.abs(samples).max() > 0.1


def test_requests_while_a_conversion_is_pending_send_no_other(job):
    assert conversions.job_audio_conversion_request(job, "mp3") is True
    assert conversions.job_audio_conversion_request(job, "mp3") is False
    assert conversions.job_audio_conversion_request(job, "ogg") is True


def test_a_conversion_pending_longer_than_a_task_may_run_is_sent_again(job, settings):
    conversions.job_audio_conversion_request(job, "mp3")
    settings.CELERY_TASK_TIME_LIMIT = 0  # its message was lost, or its worker died

    assert conversions.job_audio_conversion_request(job, "mp3") is True


def test_a_conversion_run_twice_converts_once(job):
    tasks.convert_job_audio(job.pk, "flac")
    made = conversions.job_audio_file(job, "flac")
    before = made.stat().st_mtime_ns

    tasks.convert_job_audio(job.pk, "flac")

    assert made.stat().st_mtime_ns == before


def test_a_job_asked_for_in_mp3_has_its_mp3_sent_for_when_it_completes(owner, django_capture_on_commit_callbacks):
    job = intake.job_create(account=owner.account, text=TEXT, engine="local", audio_format="mp3")

    with django_capture_on_commit_callbacks(execute=True):
        complete(job)

    assert conversions.job_audio_conversion_request(job, "mp3") is False  # pending since it completed
    assert conversions.job_audio_conversion_request(job, "ogg") is True  # others are made when asked for


def test_a_conversion_of_a_job_deleted_since_it_was_asked_for_ends_quietly(job):
    job_id = job.pk
    job.delete()

    tasks.convert_job_audio(job_id, "mp3")
