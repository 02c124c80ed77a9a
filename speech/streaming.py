"""A job's audio as one stream: each segment goes out, in reading order, as soon as it is ready.

The answer's status is sent before the first byte of audio, so the view waits for the first
segment (``first_segment_wait``) and a job that fails before any audio gets an error answer.
Once audio has gone out, a job that fails ends the stream early: nothing else can be said. A
client that goes away stops the job (``job_cancel``): segments not yet sent are never sent.
"""

import base64
import json
import time
from collections.abc import Iterator

import numpy as np
import soundfile as sf

from common.errors import Conflict
from speech.encoding import SAMPLE_RATE
from speech.stretch import time_stretch
from synthesis import lifecycle
from synthesis.models import Segment, SynthesisJob

POLL_SECONDS = 0.05


def segments_in_order(job: SynthesisJob):
    return job.segments.order_by("index").only("index", "status", "audio", "pause_after_ms", "error")


def first_segment_wait(*, job: SynthesisJob) -> None:
    """Wait until the job's first segment is ready; a Conflict naming why when it never will be."""
    while True:
        first = segments_in_order(job).first()
        if first.status == Segment.Status.READY:
            return
        job.refresh_from_db(fields=["status", "error"])
        if job.is_finished:
            raise Conflict(job.error or f"The speech job is {job.status}.", "speech_failed")
        time.sleep(POLL_SECONDS)


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
