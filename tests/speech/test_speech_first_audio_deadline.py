"""A speech call waits for its first audio at most TTS_SPEECH_FIRST_AUDIO_TIMEOUT seconds: then its
job is canceled, nothing more goes to a GPU worker, and the call is answered 503 with Retry-After
in OpenAI's error shape. A client that goes away during the wait ends it at once."""

import json
import socket
import struct

import pytest

from accounts.services import api_key_create
from engines.models import WorkerRequest
from gpu_worker.testing.processes import wait_until
from synthesis.models import Segment, SynthesisJob
from tests.support.fake_vast import ACCOUNT_KEY, ENDPOINT_ID
from tests.support.stack import service_env, web_server

SPEECH = "/v1/audio/speech"
NEVER_READY = 10_000  # route polls answered "no worker ready": a cold start that outlasts every test


def speech_call(client, text: str):
    return client.post(SPEECH, {"model": "tts-1", "voice": "alloy", "input": text}, format="json")


def test_a_call_with_no_audio_by_the_deadline_is_answered_503_with_retry_after_and_its_job_canceled(owner, settings):
    settings.TTS_SPEECH_FIRST_AUDIO_TIMEOUT = 1  # and nothing runs the job: no audio ever comes

    answer = speech_call(owner, "The ferry was late again that evening.")

    assert answer.status_code == 503
    assert answer["Retry-After"] == "1"
    error = answer.json()["error"]
    assert error["type"] == "server_error"
    assert error["code"] == "first_audio_timeout"
    assert error["param"] is None
    job = SynthesisJob.objects.get()
    assert job.status == SynthesisJob.Status.CANCELED
    assert set(job.segments.values_list("status", flat=True)) == {Segment.Status.CANCELED}


def test_a_cold_start_past_the_deadline_cancels_the_job_before_anything_reaches_a_worker(
    vast, live_worker, owner, settings
):
    settings.TTS_DEFAULT_ENGINE = "vastai"
    settings.TTS_SPEECH_FIRST_AUDIO_TIMEOUT = 5
    vast.fake.waiting_polls = NEVER_READY

    answer = speech_call(owner, "The lighthouse keeper climbed the stairs once more.")

    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    error = answer.json()["error"]
    assert error["code"] == "first_audio_timeout"
    assert "no GPU worker was ready yet" in error["message"]
    job = SynthesisJob.objects.get()
    assert job.status == SynthesisJob.Status.CANCELED
    # The run waiting for a worker sees the cancel at its next poll and gives its batch up.
    wait_until(lambda: not job.segments.exclude(status=Segment.Status.CANCELED).exists(), 30, what="the run to stop")
    assert vast.fake.route_calls  # it did wait for Vast.ai to start a worker
    assert vast.tap.synthesis_requests() == []
    assert not WorkerRequest.objects.filter(job_public_id=job.public_id).exists()


@pytest.fixture(scope="module")
def cold_service_url(django_db_setup, django_db_blocker, vast_stack, celery_worker_process, tmp_path_factory):
    """The web server on the vastai engine, with the default deadline (60 s)."""
    with django_db_blocker.unblock():
        env = service_env(TTS_DEFAULT_ENGINE="vastai", VASTAI_API_KEY=ACCOUNT_KEY, VASTAI_ENDPOINT_ID=str(ENDPOINT_ID))
    with web_server(env, tmp_path_factory.mktemp("web") / "web.out") as base_url:
        yield base_url


@pytest.mark.parametrize("leaving", ["closes", "resets"])
def test_a_client_that_goes_away_during_the_wait_ends_it_and_cancels_the_job(
    cold_service_url, vast, live_worker, owner, leaving
):
    vast.fake.waiting_polls = NEVER_READY
    host, port = cold_service_url.removeprefix("http://").split(":")
    body = json.dumps({"model": "tts-1", "voice": "alloy", "input": "The tide had turned before anyone noticed."})
    _, key = api_key_create(account=owner.account)
    request = (
        f"POST {SPEECH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    )
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request.encode())
        wait_until(lambda: SynthesisJob.objects.filter(status="queued").exists(), 30, what="a cold wait")
        if leaving == "resets":  # as a closed browser tab does
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    # Well within the deadline of 60 s: the wait noticed the client, not the clock.
    wait_until(lambda: SynthesisJob.objects.get().status == "canceled", 15, what="the job to be canceled")
    job = SynthesisJob.objects.get()
    wait_until(lambda: not job.segments.exclude(status=Segment.Status.CANCELED).exists(), 30, what="the run to stop")
    assert vast.tap.synthesis_requests() == []
