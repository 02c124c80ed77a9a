"""Audio in and out: base64, decoding references, encoding WAV, and judging generated audio."""

import base64
import binascii
import io

import numpy as np
import soundfile as sf

# Below this peak amplitude (about -60 dBFS) a segment counts as silence.
SILENCE_PEAK = 1e-3


class AudioError(ValueError):
    """Input audio that cannot be used; the message says why."""


def decode_base64(data: str, field: str) -> bytes:
    if not isinstance(data, str) or not data.strip():
        raise AudioError(f"{field} must be a non-empty base64 string")
    if data.startswith("data:"):
        data = data.partition(",")[2]
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise AudioError(f"{field} is not valid base64") from None


def encode_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_audio(data: bytes) -> tuple[np.ndarray, int]:
    """Decode WAV, FLAC, OGG or MP3 bytes to mono float32 samples and their sample rate."""
    try:
        samples, sample_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise AudioError("reference audio could not be decoded: send WAV, FLAC, OGG or MP3") from None
    mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    if not np.all(np.isfinite(mono)):
        raise AudioError("reference audio contains invalid samples")
    return np.ascontiguousarray(mono), int(sample_rate)


def append_silence(samples: np.ndarray, sample_rate: int, seconds: float) -> np.ndarray:
    return np.concatenate([samples, np.zeros(round(sample_rate * seconds), dtype=samples.dtype)])


def encode_wav(samples: np.ndarray, sample_rate: int) -> bytes:
    """16-bit PCM mono WAV."""
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(samples, -1.0, 1.0), sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def is_silent(samples: np.ndarray) -> bool:
    return samples.size == 0 or float(np.max(np.abs(samples))) < SILENCE_PEAK


def has_invalid_samples(samples: np.ndarray) -> bool:
    return not bool(np.all(np.isfinite(samples)))
