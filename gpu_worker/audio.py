"""Audio in and out: base64, decoding references, encoding WAV, and judging generated audio."""

import base64
import binascii
import io

import numpy as np
import soundfile as sf

# Below this peak amplitude (about -60 dBFS) a segment counts as silence.
SILENCE_PEAK = 1e-3

# What a reference may be, as libsndfile names its formats (WAVEX: a WAV with an extensible header).
REFERENCE_FORMATS = {"WAV", "WAVEX", "FLAC", "OGG", "MP3"}
REFERENCE_MAX_CHANNELS = 2
REFERENCE_MIN_RATE, REFERENCE_MAX_RATE = 16_000, 192_000
REFERENCE_EXPECTED = "send WAV, FLAC, OGG or MP3"


class AudioError(ValueError):
    """Input audio that cannot be used; the message says why, the code names the check."""

    def __init__(self, message: str, code: str = "invalid_reference_audio"):
        super().__init__(message)
        self.code = code


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


def has_reference_signature(data: bytes) -> bool:
    """WAV, FLAC, Ogg or MP3 by their first bytes: libsndfile's parsers of every other format it
    knows (AIFF, CAF, W64, PAF, ...) never see a reference."""
    mpeg_frame = len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
    return (
        (data[:4] == b"RIFF" and data[8:12] == b"WAVE")
        or data[:4] in (b"fLaC", b"OggS")
        or data[:3] == b"ID3"
        or mpeg_frame
    )


def reference_info(data: bytes, max_seconds: float) -> sf._SoundFileInfo:
    """The reference's header, refused before any audio is decoded when it is not what a voice
    reference is; its frame count is the header's own, which a crafted file may overstate."""
    if not has_reference_signature(data):
        raise AudioError(
            f"reference audio is not in a format the worker takes: {REFERENCE_EXPECTED}", "unsupported_audio_format"
        )
    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise AudioError(f"reference audio could not be decoded: {REFERENCE_EXPECTED}") from None
    if info.format not in REFERENCE_FORMATS:  # an ID3 tag can stand before any format
        raise AudioError(f"reference audio is {info.format}: {REFERENCE_EXPECTED}", "unsupported_audio_format")
    if not 1 <= info.channels <= REFERENCE_MAX_CHANNELS:
        raise AudioError(
            f"reference audio has {info.channels} channels; it must be mono or stereo", "too_many_channels"
        )
    if not REFERENCE_MIN_RATE <= info.samplerate <= REFERENCE_MAX_RATE:
        raise AudioError(
            f"reference audio is sampled at {info.samplerate} Hz; it must be "
            f"{REFERENCE_MIN_RATE // 1000}-{REFERENCE_MAX_RATE // 1000} kHz",
            "unsupported_sample_rate",
        )
    if info.frames / info.samplerate > max_seconds:
        raise AudioError(
            f"reference audio is {info.frames / info.samplerate:.1f} s long; it must be at most {max_seconds:g} s",
            "reference_too_long",
        )
    return info


def decode_reference(data: bytes, min_seconds: float, max_seconds: float) -> tuple[np.ndarray, int]:
    """Reference audio as mono float32 samples and their sample rate.

    The header is checked first, then at most ``max_seconds`` of frames are read, so no header
    can make the worker decode more than that.
    """
    info = reference_info(data, max_seconds)
    try:
        samples, sample_rate = sf.read(
            io.BytesIO(data), frames=int(max_seconds * info.samplerate), dtype="float32", always_2d=True
        )
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise AudioError(f"reference audio could not be decoded: {REFERENCE_EXPECTED}") from None
    except MemoryError:
        raise AudioError("reference audio is too large to decode", "reference_too_large") from None
    mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    if not np.all(np.isfinite(mono)):
        raise AudioError("reference audio contains invalid samples")
    seconds = len(mono) / sample_rate
    if seconds < min_seconds:
        raise AudioError(
            f"reference audio is {seconds:.1f} s long; it must be between {min_seconds:g} and {max_seconds:g} s",
            "reference_too_short",
        )
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
