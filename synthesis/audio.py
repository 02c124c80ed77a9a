"""Audio the service stores and serves: stitching segments, and the formats a job is served in."""

import io
import uuid
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 24000

# format -> (libsndfile format, subtype, content type)
FORMATS = {
    "wav": ("WAV", "PCM_16", "audio/wav"),
    "mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg"),
    "ogg": ("OGG", "OPUS", "audio/ogg"),
    "flac": ("FLAC", "PCM_16", "audio/flac"),
}


def read_samples(data: bytes) -> tuple[np.ndarray, int]:
    samples, sample_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=False)
    return samples, sample_rate


def encode(samples: np.ndarray, sample_rate: int, audio_format: str = "wav") -> bytes:
    container, subtype, _ = FORMATS[audio_format]
    buffer = io.BytesIO()
    sf.write(buffer, samples, sample_rate, format=container, subtype=subtype)
    return buffer.getvalue()


def stitch(parts: list[tuple[bytes, int]]) -> tuple[bytes, float]:
    """Join WAV segments, each followed by its pause in milliseconds, into one 16-bit WAV."""
    pieces = []
    for wav, pause_ms in parts:
        samples, sample_rate = read_samples(wav)
        if sample_rate != SAMPLE_RATE:
            raise ValueError(f"segment audio is {sample_rate} Hz, expected {SAMPLE_RATE}")
        pieces.extend([samples, np.zeros(round(SAMPLE_RATE * pause_ms / 1000), dtype=np.float32)])
    joined = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return encode(joined, SAMPLE_RATE), len(joined) / SAMPLE_RATE


def convert(wav: bytes, audio_format: str) -> bytes:
    if audio_format == "wav":
        return wav
    samples, sample_rate = read_samples(wav)
    return encode(samples, sample_rate, audio_format)


def content_type(audio_format: str) -> str:
    return FORMATS[audio_format][2]


def converted(wav_path: Path, audio_format: str) -> Path:
    """The WAV in another format, converted once and kept beside it."""
    if audio_format == "wav":
        return wav_path
    path = wav_path.with_suffix(f".{audio_format}")
    if not path.exists():
        partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.partial")
        partial.write_bytes(convert(wav_path.read_bytes(), audio_format))
        partial.replace(path)  # atomic: a concurrent request never reads half a file
    return path
