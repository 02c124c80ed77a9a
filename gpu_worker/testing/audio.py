"""Audio for requests and checks on audio in answers."""

import base64
import io

import numpy as np
import soundfile as sf


def voiced_signal(seconds: float, sample_rate: int) -> np.ndarray:
    """A voice-like test signal: harmonics of a gliding pitch under a syllable-rate envelope."""
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    harmonics = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    return (0.2 * harmonics * envelope).astype(np.float32)


def encoded(samples: np.ndarray, sample_rate: int, file_format: str = "WAV", subtype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, sample_rate, format=file_format, subtype=subtype)
    return buffer.getvalue()


def reference_base64(seconds: float = 6.0, sample_rate: int = 16000, channels: int = 1, **kwargs) -> str:
    samples = voiced_signal(seconds, sample_rate)
    if channels > 1:
        samples = np.column_stack([samples] * channels)
    return base64.b64encode(encoded(samples, sample_rate, **kwargs)).decode()


def wav_info(data: bytes) -> sf._SoundFileInfo:
    return sf.info(io.BytesIO(data))


def decoded_samples(data: bytes) -> np.ndarray:
    samples, _ = sf.read(io.BytesIO(data), dtype="float32")
    return samples


def with_flac_total_frames(flac: bytes, frames: int) -> bytes:
    """The FLAC with its STREAMINFO claiming ``frames`` frames, whatever its audio holds: a header
    that lies (36 bits; 0 means unknown)."""
    if flac[:4] != b"fLaC" or flac[4] & 0x7F != 0:
        raise ValueError("not a FLAC starting with its STREAMINFO")
    # STREAMINFO starts after the marker and its block header; the count is the low 36 bits of 8
    # bytes at offset 10, after the sample rate, channels and bits per sample.
    start = 4 + 4 + 10
    packed = int.from_bytes(flac[start : start + 8], "big")
    packed = (packed & ~(2**36 - 1)) | frames
    return flac[:start] + packed.to_bytes(8, "big") + flac[start + 8 :]
