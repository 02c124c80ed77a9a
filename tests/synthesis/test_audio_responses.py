"""Audio answers: 202 with Retry-After until ready, then ETag, conditional GET and byte ranges."""

import io

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile
from django.utils import timezone

from synthesis import audio, dispatch, intake, lifecycle, tasks
from synthesis.models import Segment, SynthesisJob
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db


def tone_wav(seconds: float) -> bytes:
    samples = (0.3 * np.sin(np.arange(round(seconds * 24000)) / 7)).astype(np.float32)
    return audio.encode(samples, 24000)


@pytest.fixture
def job(owner, django_capture_on_commit_callbacks):
    return intake.job_create(account=owner.account, text="One sentence here. Another one there.", engine="local")


def make_ready(job: SynthesisJob) -> None:
    for segment in job.segments.all():
        segment.audio.save(f"{segment.index:05d}.wav", ContentFile(tone_wav(1.0)), save=False)
        segment.status, segment.duration = Segment.Status.READY, 1.0
        segment.save()
    dispatch.job_close_if_done(job_id=job.pk)
    job.refresh_from_db()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def fetch_converted(client, job: SynthesisJob, audio_format: str):
    """The job's audio in a format the conversion task makes: 202 until it has run."""
    url = f"{JOBS}/{job.public_id}/audio.{audio_format}"
    assert client.get(url).status_code == 202
    tasks.convert_job_audio(job.pk, audio_format)
    return client.get(url)


def test_audio_before_completion_is_202_with_retry_after(owner, job):
    response = owner.get(f"{JOBS}/{job.public_id}/audio.wav")

    assert response.status_code == 202
    assert response["Retry-After"] == "1"
    assert response.json() == {"status": "processing", "message": "Audio not ready yet"}


def test_a_segment_before_it_is_ready_is_202_with_retry_after(owner, job):
    response = owner.get(f"{JOBS}/{job.public_id}/segments/0")

    assert response.status_code == 202
    assert response["Retry-After"] == "1"


def test_an_unknown_segment_is_404(owner, job):
    assert owner.get(f"{JOBS}/{job.public_id}/segments/99").status_code == 404


def test_an_unknown_format_is_400(owner, job):
    make_ready(job)

    response = owner.get(f"{JOBS}/{job.public_id}/audio.aiff")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_format"


def test_complete_audio_carries_an_etag_and_a_matching_request_gets_304(owner, job):
    make_ready(job)

    first = owner.get(f"{JOBS}/{job.public_id}/audio.wav")
    again = owner.get(f"{JOBS}/{job.public_id}/audio.wav", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert first["Accept-Ranges"] == "bytes"
    assert again.status_code == 304


def test_a_byte_range_returns_206_with_exactly_those_bytes(owner, job):
    make_ready(job)
    whole = body(owner.get(f"{JOBS}/{job.public_id}/audio.wav"))

    response = owner.get(f"{JOBS}/{job.public_id}/audio.wav", HTTP_RANGE="bytes=100-199")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert body(response) == whole[100:200]


def test_a_suffix_range_returns_the_last_bytes(owner, job):
    make_ready(job)
    whole = body(owner.get(f"{JOBS}/{job.public_id}/audio.wav"))

    response = owner.get(f"{JOBS}/{job.public_id}/audio.wav", HTTP_RANGE="bytes=-50")

    assert body(response) == whole[-50:]


def test_an_unsatisfiable_range_is_416(owner, job):
    make_ready(job)

    response = owner.get(f"{JOBS}/{job.public_id}/audio.wav", HTTP_RANGE="bytes=999999999-")

    assert response.status_code == 416
    assert response["Content-Range"].startswith("bytes */")


def test_stitched_audio_adds_the_segment_pauses(owner, job):
    make_ready(job)
    pauses = sum(segment.pause_after_ms for segment in job.segments.all()) / 1000

    samples, _ = sf.read(io.BytesIO(body(owner.get(f"{JOBS}/{job.public_id}/audio.wav"))))

    assert len(samples) / 24000 == pytest.approx(job.segments.count() * 1.0 + pauses, abs=0.001)
    assert job.finished_at <= timezone.now()


def test_a_retried_job_serves_its_new_audio_in_every_format(owner, job):
    make_ready(job)
    first = body(fetch_converted(owner, job, "flac"))
    lifecycle.job_cancel(job=job)
    SynthesisJob.objects.filter(pk=job.pk).update(status=SynthesisJob.Status.ERROR)
    job.refresh_from_db()
    lifecycle.job_retry(job=job)
    job.segments.update(status=Segment.Status.QUEUED)
    for segment in job.segments.all():
        segment.audio.save(f"{segment.index:05d}.wav", ContentFile(tone_wav(2.0)), save=False)
        segment.status, segment.duration = Segment.Status.READY, 2.0
        segment.save()
    dispatch.job_close_if_done(job_id=job.pk)

    second = body(fetch_converted(owner, job, "flac"))

    assert len(sf.read(io.BytesIO(second))[0]) > len(sf.read(io.BytesIO(first))[0])
