"""One validator for reference audio, for uploads and for a job's inline ``voice: "clone"``.

Each refusal says what was wrong and what is expected: 5-30 s of clear speech, 16 kHz or more,
mono (stereo is downmixed), as WAV, FLAC, OGG or MP3, within the size limit.

Compressed audio can decode to thousands of times its size (a few KB of FLAC holding minutes of
8-channel silence), so the header is read first and judged before anything is decoded, and then
no more than 30 s is decoded whatever the header claims. What is stored is at most 48 kHz: more
adds bytes, not voice.
"""

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass

import av
import numpy as np
import soundfile as sf
from django.conf import settings

from common.errors import InvalidInput, TooLarge

MIN_SECONDS, MAX_SECONDS = 5.0, 30.0
# A transcript of 30 s of speech is a few hundred characters; it is part of every prompt build.
REF_TEXT_MAX_LENGTH = 2000
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 16000, 192000
STORED_MAX_SAMPLE_RATE = 48000
MAX_CHANNELS = 2
# libsndfile's names for the containers it may open; it knows many more (AIFF, CAF, W64, ...).
ACCEPTED_FORMATS = {"WAV", "WAVEX", "FLAC", "OGG", "MP3"}
SILENCE_PEAK = 0.01  # -40 dBFS: quieter than this is no clear speech
EXPECTED = "5-30 s of clear speech, 16 kHz or more, as WAV, FLAC, OGG or MP3"


@dataclass(frozen=True)
class Reference:
    wav: bytes  # 16-bit mono WAV at the reference's own sample rate
    sample_rate: int
    duration: float

    def digest(self, ref_text: str) -> str:
        """Identifies a reference with its transcript: the same pair makes the same clone prompt."""
        return hashlib.sha256(self.wav + b"\0" + ref_text.strip().encode()).hexdigest()


def refuse(message: str, code: str, kind: type[InvalidInput | TooLarge] = InvalidInput) -> InvalidInput | TooLarge:
    return kind(f"{message}; send {EXPECTED}", code)


def decode_base64_audio(data: str) -> bytes:
    if data.startswith("data:"):
        data = data.partition(",")[2]
    limit = settings.TTS_VOICE_DATA_MAX_BYTES
    # A JSON body bypasses Django's upload limit: check the length before decoding anything.
    if len(data) * 3 // 4 > limit:
        raise refuse(f"Reference audio is over {limit / 1_000_000:g} MB", "reference_too_large", TooLarge)
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise refuse("Reference audio is not valid base64", "reference_not_base64") from None


def validate_reference(data: bytes) -> Reference:
    limit = settings.TTS_VOICE_DATA_MAX_BYTES
    if len(data) > limit:
        raise refuse(f"Reference audio is over {limit / 1_000_000:g} MB", "reference_too_large", TooLarge)
    info = reference_header(data)
    mono = reference_samples(data, info)
    duration = len(mono) / info.samplerate
    if duration < MIN_SECONDS:
        raise refuse(f"Reference audio is {duration:.1f} s long, too short", "reference_too_short")
    if not np.all(np.isfinite(mono)) or float(np.max(np.abs(mono))) < SILENCE_PEAK:
        raise refuse("Reference audio is silent", "reference_silent")
    mono, sample_rate = at_most_48_khz(mono, info.samplerate)
    buffer = io.BytesIO()
    sf.write(buffer, mono, sample_rate, format="WAV", subtype="PCM_16")
    return Reference(buffer.getvalue(), sample_rate, round(duration, 3))


def reference_header(data: bytes):
    """The reference's header, judged before a single sample is decoded."""
    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise refuse("Reference audio could not be read as audio", "reference_not_audio") from None
    if info.format not in ACCEPTED_FORMATS:
        raise refuse(f"Reference audio is {info.format_info or info.format}", "reference_format_not_accepted")
    if info.channels > MAX_CHANNELS:
        raise refuse(f"Reference audio has {info.channels} channels", "reference_too_many_channels")
    if info.samplerate < MIN_SAMPLE_RATE:
        raise refuse(f"Reference audio is sampled at {info.samplerate} Hz", "reference_sample_rate_too_low")
    if info.samplerate > MAX_SAMPLE_RATE:
        raise refuse(f"Reference audio is sampled at {info.samplerate} Hz", "reference_sample_rate_too_high")
    if info.frames > MAX_SECONDS * info.samplerate:
        raise refuse(f"Reference audio is {info.frames / info.samplerate:.1f} s long, too long", "reference_too_long")
    return info


def reference_samples(data: bytes, info) -> np.ndarray:
    """Mono samples, decoding no more frames than the header counts and never more than 30 s."""
    most = int(MAX_SECONDS * info.samplerate)
    frames = min(info.frames, most) if info.frames > 0 else most
    try:
        samples = sf.read(io.BytesIO(data), frames=frames, dtype="float32", always_2d=True)[0]
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise refuse("Reference audio could not be read as audio", "reference_not_audio") from None
    except MemoryError:
        raise refuse("Reference audio is too large to decode", "reference_too_large", TooLarge) from None
    return samples.mean(axis=1)


def at_most_48_khz(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    if sample_rate <= STORED_MAX_SAMPLE_RATE:
        return samples, sample_rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=STORED_MAX_SAMPLE_RATE)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, dtype=np.float32)[None, :], format="flt", layout="mono"
    )
    frame.sample_rate = sample_rate
    resampled = [*resampler.resample(frame), *resampler.resample(None)]
    return np.concatenate([part.to_ndarray()[0] for part in resampled]), STORED_MAX_SAMPLE_RATE
