"""Audio out as it is made: each encoder takes a segment's samples at a time and returns the bytes
that can go to the client now, so the first bytes leave with the first segment.

``pcm`` is the raw 16-bit 24 kHz mono samples, ``wav`` those after a header whose sizes say
"unknown" (as a stream's must); ``mp3``, ``opus`` (in Ogg), ``aac`` (ADTS) and ``flac`` go through
one ffmpeg encoder per answer (PyAV), so the result is one stream, not pieces glued together.
"""

import struct

import av
import numpy as np

SAMPLE_RATE = 24_000
UNKNOWN_SIZE = 0xFFFFFFFF
# response_format -> (ffmpeg container, codec)
CODECS = {"mp3": ("mp3", "libmp3lame"), "opus": ("ogg", "libopus"), "aac": ("adts", "aac"), "flac": ("flac", "flac")}


class PcmEncoder:
    def header(self) -> bytes:
        return b""

    def feed(self, samples: np.ndarray) -> bytes:
        return samples.astype("<i2").tobytes()

    def finish(self) -> bytes:
        return b""


class WavEncoder(PcmEncoder):
    def header(self) -> bytes:
        byte_rate = SAMPLE_RATE * 2
        fmt = struct.pack("<HHIIHH", 1, 1, SAMPLE_RATE, byte_rate, 2, 16)
        return (
            b"RIFF"
            + struct.pack("<I", UNKNOWN_SIZE)
            + b"WAVEfmt "
            + struct.pack("<I", 16)
            + fmt
            + b"data"
            + (struct.pack("<I", UNKNOWN_SIZE))
        )


class Collected:
    """A write-only file for the muxer; what it wrote is taken as it goes."""

    def __init__(self):
        self.pending = bytearray()

    def write(self, data) -> int:
        self.pending += data
        return len(data)

    def take(self) -> bytes:
        taken, self.pending = bytes(self.pending), bytearray()
        return taken


class FfmpegEncoder:
    def __init__(self, response_format: str):
        container, codec = CODECS[response_format]
        self.sink = Collected()
        self.output = av.open(self.sink, mode="w", format=container)
        self.stream = self.output.add_stream(codec, rate=SAMPLE_RATE, layout="mono")
        self.resampler = av.AudioResampler(
            format=self.stream.codec_context.format.name, layout="mono", rate=SAMPLE_RATE
        )

    def header(self) -> bytes:
        return b""

    def feed(self, samples: np.ndarray) -> bytes:
        frame = av.AudioFrame.from_ndarray(samples.astype(np.int16)[None, :], format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for resampled in self.resampler.resample(frame):
            self.output.mux(self.stream.encode(resampled))
        return self.sink.take()

    def finish(self) -> bytes:
        self.output.mux(self.stream.encode(None))
        self.output.close()
        return self.sink.take()


def encoder_for(response_format: str) -> PcmEncoder | FfmpegEncoder:
    if response_format == "pcm":
        return PcmEncoder()
    if response_format == "wav":
        return WavEncoder()
    return FfmpegEncoder(response_format)
