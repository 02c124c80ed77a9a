"""A job submitted exactly as LibRead's client does, through a real Celery worker and GPU worker."""

import io
import time

import numpy as np
import pytest
import soundfile as sf

from synthesis.models import SynthesisJob
from tests.support.service import JOBS, wait_for_job

LIBREAD_BODY = {
    "text": (
        "The rain had not stopped for three days. The river below the old mill was rising.\n\n"
        "She folded the letter twice and walked out into the cold morning without looking back."
    ),
    "engine": "local",
    "prefer_phonemes": True,
    "model_id": "en_US-amy-medium",
    "reading_profile": {"rate": 1.0},
}


def fetch_when_made(client, url: str, timeout: float = 60):
    """Other formats than WAV are made after the job completes: 202 with Retry-After until then."""
    deadline = time.monotonic() + timeout
    while (response := client.get(url)).status_code == 202 and time.monotonic() < deadline:
        assert response["Retry-After"]
        time.sleep(0.1)
    return response


@pytest.fixture
def finished_job(live_worker, owner):
    response = owner.post(JOBS, LIBREAD_BODY, format="json")
    assert response.status_code == 202
    return response.json(), wait_for_job(owner, response.json()["job_id"])


def test_the_job_is_accepted_as_processing_with_a_libread_style_id(live_worker, owner):
    response = owner.post(f"{JOBS}?engine=local", {"text": "Hello there, reader."}, format="json")

    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "processing"
    engine, millis, suffix = accepted["job_id"].split("_")
    assert engine == "local"
    assert millis.isdigit()
    assert len(suffix) == 9


def test_the_job_completes_with_every_segment_ready(finished_job):
    _, job = finished_job

    assert job["status"] == "complete"
    assert job["error"] is None
    assert job["progress"]["segments_ready"] == job["progress"]["segments_total"] >= 2
    assert all(segment["status"] == "ready" for segment in job["segments"])
    assert [segment["id"] for segment in job["segments"]] == list(range(len(job["segments"])))
    assert job["audio_url"] == f"{JOBS}/{job['job_id']}/audio.wav"


def test_the_whole_audio_is_the_segments_plus_their_pauses(finished_job, owner):
    _, job = finished_job

    response = owner.get(job["audio_url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    info = sf.info(io.BytesIO(b"".join(response.streaming_content)))
    assert (info.format, info.subtype, info.channels, info.samplerate) == ("WAV", "PCM_16", 1, 24000)
    segments_seconds = sum(segment["duration"] for segment in job["segments"])
    stored = SynthesisJob.objects.get(public_id=job["job_id"])
    pauses = sum(segment.pause_after_ms for segment in stored.segments.all()) / 1000
    assert pauses > 0
    assert info.frames / 24000 == pytest.approx(segments_seconds + pauses, abs=0.01)
    assert job["duration"] == pytest.approx(info.frames / 24000, abs=0.001)


@pytest.mark.parametrize(
    ("audio_format", "content_type"), [("mp3", "audio/mpeg"), ("ogg", "audio/ogg"), ("flac", "audio/flac")]
)
def test_every_other_format_decodes_to_the_same_length(finished_job, owner, audio_format, content_type):
    _, job = finished_job

    response = fetch_when_made(owner, f"{JOBS}/{job['job_id']}/audio.{audio_format}")

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    samples, sample_rate = sf.read(io.BytesIO(b"".join(response.streaming_content)))
    assert sample_rate == 24000
    assert len(samples) / 24000 == pytest.approx(job["duration"], abs=0.1)
    assert np.abs(samples).max() > 0.01


def test_each_segment_is_playable_on_its_own(finished_job, owner):
    _, job = finished_job

    for segment in job["segments"]:
        response = owner.get(segment["audio_url"])
        assert response.status_code == 200
        info = sf.info(io.BytesIO(b"".join(response.streaming_content)))
        assert info.frames / 24000 == pytest.approx(segment["duration"], abs=0.001)


def test_the_first_segment_goes_to_the_gpu_alone_and_first(finished_job, live_worker):
    requests = live_worker.synthesis_requests()

    assert [segment["index"] for segment in requests[0]["body"]["segments"]] == [0]
    assert sorted(live_worker.sent_indexes()) == list(range(len(finished_job[1]["segments"])))


def test_every_segment_is_sent_with_the_same_voice_language_and_seed(finished_job, live_worker):
    bodies = [request["body"] for request in live_worker.synthesis_requests()]

    assert len({(body["voice"], body["language"], body["seed"]) for body in bodies}) == 1


def test_usage_counts_characters_audio_and_gpu_time(finished_job):
    _, job = finished_job

    stored = SynthesisJob.objects.get(public_id=job["job_id"])
    assert job["usage"]["characters"] == sum(len(segment.text) for segment in stored.segments.all())
    assert job["usage"]["audio_seconds"] == pytest.approx(sum(s["duration"] for s in job["segments"]), abs=0.01)
    assert job["usage"]["gpu_seconds"] > 0
