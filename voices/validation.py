"""One validator for reference audio, for uploads and for a job's inline ``voice: "clone"``.

Each refusal says what was wrong and what is expected: 5-30 s of clear speech, 16 kHz or more,
mono (stereo is downmixed), as WAV, FLAC, OGG or MP3, within the size limit.
"""

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass

import numpy as np
import soundfile as sf
from django.conf import settings

from common.errors import InvalidInput, TooLarge

MIN_SECONDS, MAX_SECONDS = 5.0, 30.0
MIN_SAMPLE_RATE = 16000
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
    try:
        samples, sample_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise refuse("Reference audio could not be read as audio", "reference_not_audio") from None
    mono = samples.mean(axis=1)
    duration = len(mono) / sample_rate
    if sample_rate < MIN_SAMPLE_RATE:
        raise refuse(f"Reference audio is sampled at {sample_rate} Hz", "reference_sample_rate_too_low")
    if duration < MIN_SECONDS:
        raise refuse(f"Reference audio is {duration:.1f} s long, too short", "reference_too_short")
    if duration > MAX_SECONDS:
        raise refuse(f"Reference audio is {duration:.1f} s long, too long", "reference_too_long")
    if not np.all(np.isfinite(mono)) or float(np.max(np.abs(mono))) < SILENCE_PEAK:
        raise refuse("Reference audio is silent", "reference_silent")
    buffer = io.BytesIO()
    sf.write(buffer, mono, sample_rate, format="WAV", subtype="PCM_16")
    return Reference(buffer.getvalue(), sample_rate, round(duration, 3))
