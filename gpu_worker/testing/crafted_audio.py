"""Hostile reference audio: files made to cost far more to decode than they weigh, or to lie.

Used by the service's and the worker's tests alike, against the checks that read a reference's
header before decoding it.
"""

import io
import struct

import numpy as np
import soundfile as sf

from gpu_worker.testing.audio import encoded, voiced_signal

BLOCK_FRAMES = 65536


def silent_flac(seconds: float, channels: int, sample_rate: int = 48000) -> bytes:
    """Minutes of silence compress to a few KB of FLAC, at any rate libsndfile takes (up to 655,350
    Hz); written block by block, so making it is cheap."""
    buffer = io.BytesIO()
    frames = round(seconds * sample_rate)
    with sf.SoundFile(buffer, "w", sample_rate, channels, format="FLAC", subtype="PCM_16") as flac:
        block = np.zeros((BLOCK_FRAMES, channels), np.int16)
        while frames > 0:
            flac.write(block[: min(BLOCK_FRAMES, frames)])
            frames -= BLOCK_FRAMES
    return buffer.getvalue()


def wav_claiming_frames(seconds: float, claimed_frames: int, sample_rate: int = 16000) -> bytes:
    """A 16-bit mono WAV of ``seconds`` of speech whose header claims ``claimed_frames`` frames."""
    data = bytearray(encoded(voiced_signal(seconds, sample_rate), sample_rate, "WAV", "PCM_16"))
    chunk = data.index(b"data")
    claimed_bytes = min(claimed_frames * 2, 0xFFFFFFFF - 36)
    data[chunk + 4 : chunk + 8] = struct.pack("<I", claimed_bytes)
    data[4:8] = struct.pack("<I", claimed_bytes + chunk)
    return bytes(data)


def aiff_reference(seconds: float = 6.0, sample_rate: int = 16000) -> bytes:
    """A valid reference in a container the service does not accept."""
    return encoded(voiced_signal(seconds, sample_rate), sample_rate, "AIFF")
