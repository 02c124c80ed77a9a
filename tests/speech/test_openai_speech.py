"""OpenAI's speech API, called with OpenAI's own Python client against the running service (gunicorn,
a Celery worker and the GPU worker on the tiny checkpoints): every format decodes, audio streams
before the job is done, errors come in OpenAI's shape, and each call is billed to the key's account."""

import io
import json
import socket
import struct

import av
import numpy as np
import openai
import pytest

from accounts.services import account_get_or_create, api_key_create
from billing.models import UsageRecord
from gpu_worker.testing.processes import wait_until
from speech.catalog import MAX_INPUT_CHARACTERS
from synthesis.models import Segment, SynthesisJob
from tests.support.stack import service_env, web_server

SENTENCE = "The lamps along the quay were lit one by one."
CHAPTER = " ".join(
    [
        SENTENCE,
        "A boat came in with its sails furled, and nobody on the pier said a word while the ropes were thrown.",
        "The harbour master walked the length of the quay, counting the boats as he always did at dusk.",
        "When he reached the end he stopped, looked out at the water, and turned back without a word.",
    ]
)


@pytest.fixture(scope="module")
def service_url(django_db_setup, django_db_blocker, worker_tap, celery_worker_process, tmp_path_factory):
    with django_db_blocker.unblock():
        env = service_env(GPU_WORKER_URL=worker_tap.url)
    with web_server(env, tmp_path_factory.mktemp("web") / "web.out") as base_url:
        yield base_url


@pytest.fixture
def client(service_url, live_worker):
    account = account_get_or_create(name="reader")
    _, key = api_key_create(account=account)
    speech = openai.OpenAI(api_key=key, base_url=f"{service_url}/v1", max_retries=0, timeout=120)
    speech.account = account
    return speech


def decoded(audio: bytes, container: str | None = None) -> tuple[str, int, float]:
    """The codec, sample rate and seconds of the audio, as ffmpeg reads it."""
    with av.open(io.BytesIO(audio), format=container) as media:
        stream = media.streams.audio[0]
        samples = sum(frame.samples for frame in media.decode(stream))
        return stream.codec_context.name, stream.codec_context.sample_rate, samples / stream.codec_context.sample_rate


@pytest.mark.parametrize(
    ("response_format", "codec"),
    [("mp3", "mp3float"), ("opus", "opus"), ("aac", "aac"), ("flac", "flac"), ("wav", "pcm_s16le")],
)
def test_every_response_format_is_audio_of_that_format(client, response_format, codec):
    audio = client.audio.speech.create(model="tts-1", voice="alloy", input=SENTENCE, response_format=response_format)

    name, rate, seconds = decoded(audio.content)
    assert name == codec
    assert rate in (24_000, 48_000)  # Opus decodes at 48 kHz
    assert seconds > 0.1


def test_pcm_is_raw_24_khz_16_bit_mono_the_length_of_the_job(client):
    audio = client.audio.speech.create(model="gpt-4o-mini-tts", voice="nova", input=SENTENCE, response_format="pcm")

    samples = np.frombuffer(audio.content, dtype="<i2")
    job = SynthesisJob.objects.get()
    assert len(audio.content) % 2 == 0
    assert samples.size / 24_000 == pytest.approx(job.segments.get().duration, abs=0.01)
    assert np.abs(samples).max() > 0


def test_the_first_chunk_comes_while_later_segments_are_still_being_made(client):
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="echo", input=CHAPTER, response_format="pcm"
    ) as response:
        chunks = response.iter_bytes()
        first = next(chunk for chunk in chunks if chunk)
        segments = list(SynthesisJob.objects.get().segments.values_list("status", flat=True))
        rest = b"".join(chunks)

    assert len(segments) >= 3
    assert segments.count(Segment.Status.READY) < len(segments)
    assert len(first) > 0
    assert len(rest) > 0
    assert not SynthesisJob.objects.get().segments.exclude(status=Segment.Status.READY).exists()


def test_an_unknown_voice_is_refused_in_openais_error_shape(client):
    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.speech.create(model="tts-1", voice="nobody", input=SENTENCE)

    error = refused.value.body
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "unknown_voice"
    assert "nobody" in error["message"]
    assert not SynthesisJob.objects.exists()


def test_an_input_over_openais_limit_is_refused_in_its_error_shape(client):
    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.speech.create(model="tts-1", voice="alloy", input="a" * (MAX_INPUT_CHARACTERS + 1))

    assert refused.value.body["type"] == "invalid_request_error"
    assert refused.value.body["code"] == "max_length"
    assert refused.value.body["message"].startswith("input: ")


def test_speed_shortens_the_audio_and_keeps_all_of_it(client):
    audio = client.audio.speech.create(model="tts-1", voice="echo", input=SENTENCE, response_format="pcm", speed=2.0)

    made = SynthesisJob.objects.get().segments.get().duration
    assert len(audio.content) / 2 / 24_000 == pytest.approx(made / 2, abs=0.01)


def test_a_speed_outside_openais_range_is_refused(client):
    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.speech.create(model="tts-1", voice="alloy", input=SENTENCE, speed=4.5)

    assert refused.value.body["code"] == "max_value"


def test_a_bad_key_is_refused_in_openais_error_shape(client, service_url):
    stranger = openai.OpenAI(api_key="lrt_not-a-key", base_url=f"{service_url}/v1", max_retries=0)

    with pytest.raises(openai.AuthenticationError) as refused:
        stranger.audio.speech.create(model="tts-1", voice="alloy", input=SENTENCE)

    assert refused.value.body["type"] == "authentication_error"


def test_the_call_is_billed_to_the_keys_account(client):
    client.audio.speech.create(model="tts-1", voice="alloy", input=SENTENCE, response_format="wav")

    lines = UsageRecord.objects.filter(account=client.account)
    assert lines.exists()
    assert sum(line.cost_usd for line in lines) > 0
    assert SynthesisJob.objects.get().account == client.account


def test_models_and_voices_are_listed(client):
    models = {model.id for model in client.models.list()}
    voices = client.get("/audio/voices", cast_to=object)

    assert {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"} <= models
    assert {"alloy", "ryan"} <= {voice["id"] for voice in voices["voices"]}


def test_a_client_that_goes_away_stops_the_job(client, service_url, live_worker):
    host, port = service_url.removeprefix("http://").split(":")
    # Sentences all different: repeated ones would come from the segment cache, with no GPU to wait for.
    chapter = " ".join(
        f"The boat number {number} came in late, its sails furled against the wind." for number in range(30)
    )
    body = json.dumps({"model": "tts-1", "voice": "echo", "input": chapter, "response_format": "pcm"})
    request = (
        f"POST /v1/audio/speech HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {client.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    )
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received or received.endswith(b"\r\n\r\n"):
            received += connection.recv(65536)
        live_worker.hang_next(2, 3)  # the rest comes slowly: the client is gone before the job is done
        # Gone at once, as a closed browser tab is: a reset, not a polite close.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    assert received.startswith(b"HTTP/1.1 200")
    wait_until(lambda: SynthesisJob.objects.get().status == "canceled", 60, what="the job to be canceled")
    segments = SynthesisJob.objects.get().segments
    assert segments.filter(status=Segment.Status.READY).count() < segments.count()
