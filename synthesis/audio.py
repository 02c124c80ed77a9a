"""Audio the service stores and serves: stitching segments, and the formats a job is served in.

Both stream a block of frames at a time: a chapter of hours takes no more memory than a few
seconds of it.
"""

import io
import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 24000
SEGMENT_SUBTYPE = "PCM_16"
BLOCK_FRAMES = 65536  # about 2.7 s of audio per read and write

# format -> (libsndfile format, subtype, content type)
FORMATS = {
    "wav": ("WAV", SEGMENT_SUBTYPE, "audio/wav"),
    "mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg"),
    "ogg": ("OGG", "OPUS", "audio/ogg"),
    "flac": ("FLAC", "PCM_16", "audio/flac"),
}


def encode(samples: np.ndarray, sample_rate: int, audio_format: str = "wav") -> bytes:
    container, subtype, _ = FORMATS[audio_format]
    buffer = io.BytesIO()
    sf.write(buffer, samples, sample_rate, format=container, subtype=subtype)
    return buffer.getvalue()


def content_type(audio_format: str) -> str:
    return FORMATS[audio_format][2]


def format_path(wav: Path, audio_format: str) -> Path:
    """Where the audio of the WAV at ``wav`` is kept in another format: beside it."""
    return wav.with_suffix(f".{audio_format}")


def partial_path(path: Path) -> Path:
    """A fresh name beside ``path`` to write to and then rename: a reader never sees half a file."""
    return path.with_name(f"{path.name}.{uuid.uuid4().hex}.partial")


def stitch(parts: Iterable[tuple[Path, int]], destination: Path) -> float:
    """Write WAV segments, each followed by its pause in milliseconds, into one 16-bit WAV at
    ``destination``; the seconds of audio written. The samples are copied as they are stored."""
    frames = 0
    with sf.SoundFile(destination, "w", SAMPLE_RATE, 1, SEGMENT_SUBTYPE, format="WAV") as out:
        for path, pause_ms in parts:
            pause = round(SAMPLE_RATE * pause_ms / 1000)
            frames += segment_copy(path, out)
            silence_write(out, pause)
            frames += pause
    return frames / SAMPLE_RATE


def segment_copy(path: Path, out: sf.SoundFile) -> int:
    """Copy a segment's samples to ``out``; how many. Only 24 kHz mono 16-bit audio is a segment's."""
    with sf.SoundFile(path) as segment:
        if (segment.samplerate, segment.channels, segment.subtype) != (SAMPLE_RATE, 1, SEGMENT_SUBTYPE):
            raise ValueError(
                f"segment audio is {segment.samplerate} Hz, {segment.channels} channel(s), {segment.subtype}; "
                f"expected {SAMPLE_RATE} Hz, mono, {SEGMENT_SUBTYPE}"
            )
        copied = 0
        # Read until the end rather than by the header's frame count: a segment may arrive through a pipe.
        while len(block := segment.read(BLOCK_FRAMES, dtype="int16")):
            out.write(block)
            copied += len(block)
    return copied


def silence_write(out: sf.SoundFile, frames: int) -> None:
    for start in range(0, frames, BLOCK_FRAMES):
        out.write(np.zeros(min(BLOCK_FRAMES, frames - start), dtype=np.int16))


def convert(wav: Path, destination: Path, audio_format: str) -> None:
    """Write the WAV at ``wav`` in another format at ``destination``, under a temporary name that
    is renamed into place once it is whole."""
    container, subtype, _ = FORMATS[audio_format]
    partial = partial_path(destination)
    try:
        with (
            sf.SoundFile(wav) as source,
            sf.SoundFile(partial, "w", source.samplerate, source.channels, subtype, format=container) as out,
        ):
            while len(block := source.read(BLOCK_FRAMES, dtype="float32")):
                out.write(block)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)  # left only when the conversion failed
