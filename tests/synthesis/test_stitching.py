"""A complete job's audio is its segments, each followed by its pause, stitched a block at a time:
the bytes the segments joined in memory would give, in a small, fixed amount of memory."""

import io
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile

from synthesis import audio, dispatch, intake
from synthesis.models import Segment, SynthesisJob

pytestmark = pytest.mark.django_db

PARAGRAPH = " ".join(f"Sentence {n} of a paragraph, long enough to be spoken for a while." for n in range(8))


def tone(seconds: float, frequency: float = 220.0, sample_rate: int = 24000) -> np.ndarray:
    moments = np.arange(round(seconds * sample_rate)) / sample_rate
    return (0.4 * np.sin(2 * np.pi * frequency * moments)).astype(np.float32)


def job_of(owner, paragraphs: int) -> SynthesisJob:
    text = "\n\n".join([PARAGRAPH] * paragraphs)
    return intake.job_create(account=owner.account, text=text, engine="local")


def segments_ready(job: SynthesisJob, wav_for) -> None:
    """Store each segment's audio as a worker's answer would be, and mark it ready."""
    for segment in job.segments.all():
        wav = wav_for(segment)
        segment.audio.save(f"{segment.index:05d}.wav", ContentFile(wav), save=False)
        segment.status, segment.duration = Segment.Status.READY, sf.info(io.BytesIO(wav)).duration
        segment.save()


def joined_in_memory(job: SynthesisJob) -> bytes:
    """The segments decoded whole, joined with their pauses and encoded at once."""
    pieces = []
    for segment in job.segments.order_by("index"):
        samples, _ = sf.read(segment.audio.path, dtype="float32")
        pieces += [samples, np.zeros(round(24000 * segment.pause_after_ms / 1000), dtype=np.float32)]
    return audio.encode(np.concatenate(pieces), 24000)


def test_the_stitched_audio_is_byte_for_byte_the_segments_and_pauses_joined_in_memory(owner):
    job = job_of(owner, paragraphs=3)
    segments_ready(job, lambda segment: audio.encode(tone(0.7 + 0.13 * segment.index, 180 + 40 * segment.index), 24000))
    assert len({segment.pause_after_ms for segment in job.segments.all()}) > 1  # sentence and paragraph pauses

    dispatch.job_close_if_done(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == SynthesisJob.Status.COMPLETE
    stitched = Path(job.audio.path).read_bytes()
    assert stitched == joined_in_memory(job)
    assert job.duration == round(sf.info(io.BytesIO(stitched)).frames / 24000, 3)


def test_stitching_a_long_job_holds_a_small_fraction_of_its_audio_in_memory(owner):
    job = job_of(owner, paragraphs=40)
    segments_ready(job, lambda segment: audio.encode(tone(6.0), 24000))
    seconds = sum(segment.duration for segment in job.segments.all())
    as_float32 = seconds * 24000 * 4
    assert as_float32 > 50_000_000  # the whole chapter decoded, as it was stitched before

    tracemalloc.start()
    try:
        dispatch.job_close_if_done(job_id=job.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    job.refresh_from_db()
    assert job.status == SynthesisJob.Status.COMPLETE
    assert sf.info(job.audio.path).duration >= seconds
    assert peak < as_float32 / 25


@pytest.mark.parametrize(
    ("samples", "sample_rate", "subtype"),
    [
        (tone(1.0, sample_rate=22050), 22050, "PCM_16"),
        (np.stack([tone(1.0), tone(1.0)], axis=1), 24000, "PCM_16"),
        (tone(1.0), 24000, "PCM_24"),
    ],
    ids=["22050 Hz", "stereo", "24-bit"],
)
def test_a_segment_not_24khz_mono_16_bit_is_refused_and_no_audio_is_kept(owner, samples, sample_rate, subtype):
    job = job_of(owner, paragraphs=1)
    odd = io.BytesIO()
    sf.write(odd, samples, sample_rate, format="WAV", subtype=subtype)
    segments_ready(job, lambda segment: odd.getvalue() if segment.index == 1 else audio.encode(tone(1.0), 24000))

    with pytest.raises(ValueError, match="expected 24000 Hz, mono, PCM_16"):
        dispatch.job_close_if_done(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == SynthesisJob.Status.PROCESSING
    assert not job.audio
    assert not list(Path(job.segments.first().audio.path).parent.parent.glob("audio*"))
