"""A job's audio as one stream: each segment goes out, in reading order, as soon as it is ready.

The answer's status is sent before the first byte of audio, so the view waits for the first
segment (``first_segment_wait``) and a job that fails before any audio gets an error answer.
That wait holds a web thread, so it is bounded: after ``TTS_SPEECH_FIRST_AUDIO_TIMEOUT`` the job
is canceled and the call answered 503. Once audio has gone out, a job that fails ends the stream
early: nothing else can be said. A client that goes away, before the first audio or after it,
stops the job (``job_cancel``): segments not yet sent are never sent.
"""

import base64
import json
import socket
import time
from collections.abc import Callable, Iterator

import numpy as np
import soundfile as sf
from django.conf import settings

from common.errors import Conflict
from speech.encoding import SAMPLE_RATE
from speech.stretch import time_stretch
from synthesis import lifecycle
from synthesis.models import Segment, SynthesisJob

POLL_SECONDS = 0.05


def segments_in_order(job: SynthesisJob):
    return job.segments.order_by("index").only("index", "status", "audio", "pause_after_ms", "error")


class FirstAudioLate(Exception):
    """No audio within TTS_SPEECH_FIRST_AUDIO_TIMEOUT: the job is canceled; ask again after ``retry_after`` seconds."""

    code = "first_audio_timeout"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def first_segment_wait(*, job: SynthesisJob, client_gone: Callable[[], bool]) -> bool:
    """Wait until the job's first segment is ready: True then, False when the client went away first.

    A Conflict naming why when the job ends without audio; FirstAudioLate when none comes within
    TTS_SPEECH_FIRST_AUDIO_TIMEOUT. A client gone or a deadline passed cancels the job: nothing
    more goes to a GPU, and what a GPU already did stays billed.
    """
    deadline = time.monotonic() + settings.TTS_SPEECH_FIRST_AUDIO_TIMEOUT
    while True:
        first = segments_in_order(job).first()
        if first.status == Segment.Status.READY:
            return True
        job.refresh_from_db(fields=["status", "error"])
        if job.is_finished:
            raise Conflict(job.error or f"The speech job is {job.status}.", "speech_failed")
        if client_gone():
            lifecycle.job_cancel(job=job)
            return False
        if time.monotonic() >= deadline:
            waiting_for_worker = job.status == SynthesisJob.Status.QUEUED
            if lifecycle.job_cancel(job=job).status == SynthesisJob.Status.CANCELED:
                raise first_audio_late(waiting_for_worker=waiting_for_worker)
            continue  # it finished just before the cancel: its audio, or why there is none
        time.sleep(POLL_SECONDS)


def first_audio_late(*, waiting_for_worker: bool) -> FirstAudioLate:
    """The refusal, with when to ask again.

    No engine can say how long a cold start will take: Vast's route answer without a worker names
    only how many workers are in which state, and an engine's ``WorkerNotReady.retry_after`` is
    when to poll again, not when a worker will be ready. A worker that began starting goes on
    starting without this call, so asking again after as long as this call waited overlaps the
    next wait with the rest of the start. At the default that is short enough for OpenAI's Python
    client to wait it out and ask again by itself (it gives up on a Retry-After over two minutes).
    """
    waited = settings.TTS_SPEECH_FIRST_AUDIO_TIMEOUT
    why = "no GPU worker was ready yet, and one is starting" if waiting_for_worker else "the GPU workers were busy"
    return FirstAudioLate(
        f"No audio within {waited} seconds: {why}. The request was canceled; ask again in {waited} seconds.", waited
    )


def client_gone_check(environ: dict) -> Callable[[], bool]:
    """Whether the client has closed its connection, read without waiting from the socket gunicorn
    names in the request; under any other server (or over TLS in gunicorn) it cannot be told cheaply."""
    client = environ.get("gunicorn.socket")

    def gone() -> bool:
        if client is None:
            return False
        try:
            return client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""  # b"": the client closed
        except (BlockingIOError, InterruptedError):  # still connected, with nothing more to say
            return False
        except ConnectionError:
            return True
        except ValueError:  # a TLS socket takes no flags
            return False

    return gone


def segment_samples(segment: Segment, last: bool, speed: float) -> np.ndarray:
    """The segment's 16-bit samples, with the pause after it, at the speed asked for."""
    samples, _ = sf.read(segment.audio.path, dtype="int16")
    if not last and segment.pause_after_ms:
        samples = np.concatenate([samples, np.zeros(SAMPLE_RATE * segment.pause_after_ms // 1000, dtype=np.int16)])
    if speed == 1.0:
        return samples
    return np.clip(np.round(time_stretch(samples, speed, SAMPLE_RATE)), -32768, 32767).astype(np.int16)


def job_audio(*, job: SynthesisJob, encoder, speed: float = 1.0) -> Iterator[bytes]:
    """The job's audio through the encoder, segment by segment, until the job is complete (or failed)."""
    ended = False
    try:
        yield encoder.header()
        sent, total = 0, job.segments.count()
        while sent < total:
            ready = [segment for segment in segments_in_order(job)[sent:] if segment.status == Segment.Status.READY]
            for segment in ready:
                if segment.index != sent:
                    break
                sent += 1
                yield encoder.feed(segment_samples(segment, last=sent == total, speed=speed))
            job.refresh_from_db(fields=["status"])
            if job.status in (SynthesisJob.Status.ERROR, SynthesisJob.Status.CANCELED):
                break
            time.sleep(POLL_SECONDS if sent < total else 0)
        yield encoder.finish()
        ended = True
    finally:
        if not ended:  # the client went away
            lifecycle.job_cancel(job=job)


def server_sent_events(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """OpenAI's ``stream_format: sse``: the audio as base64 ``speech.audio.delta`` events, then done."""
    try:
        for chunk in chunks:
            if chunk:
                event = {"type": "speech.audio.delta", "audio": base64.b64encode(chunk).decode()}
                yield f"data: {json.dumps(event)}\n\n".encode()
        yield f"data: {json.dumps({'type': 'speech.audio.done'})}\n\n".encode()
    finally:
        chunks.close()
