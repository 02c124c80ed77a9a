"""Speed without a change of pitch: WSOLA (waveform-similarity overlap-add) time-stretching.

Frames are taken from the input every ``hop * speed`` samples and laid down every ``hop``
samples; each frame's start is moved, within a small tolerance, to where it best continues the
previous frame's waveform, so the overlap adds up without phasing. Pitch is untouched because
no frame is resampled.
"""

import numpy as np

FRAME_SECONDS = 0.04
SLOWEST, FASTEST = 0.25, 4.0


def time_stretch(samples: np.ndarray, speed: float, sample_rate: int) -> np.ndarray:
    if speed == 1.0 or len(samples) == 0:
        return samples
    frame = int(FRAME_SECONDS * sample_rate)
    hop = frame // 2
    tolerance = hop // 2
    window = np.hanning(frame).astype(np.float32)
    padded = np.concatenate([samples.astype(np.float32), np.zeros(frame + 2 * tolerance, dtype=np.float32)])
    length = int(len(samples) / speed)
    frames = length // hop + 1
    output = np.zeros(frames * hop + frame, dtype=np.float32)
    weight = np.zeros_like(output)
    position = 0
    for k in range(frames):
        if k:
            position = best_start(padded, continuation=position + hop, target=int(k * hop * speed), frame=frame,
                                  tolerance=tolerance)  # fmt: skip
        output[k * hop : k * hop + frame] += padded[position : position + frame] * window
        weight[k * hop : k * hop + frame] += window
    return (output / np.maximum(weight, 1e-3))[:length]


def best_start(padded: np.ndarray, *, continuation: int, target: int, frame: int, tolerance: int) -> int:
    """The start near ``target`` whose frame is most like the one that would follow the last."""
    low = max(0, min(target - tolerance, len(padded) - frame - 2 * tolerance))
    template = padded[continuation : continuation + frame]
    if len(template) < frame:
        return low
    region = padded[low : low + frame + 2 * tolerance]
    return low + int(np.argmax(np.correlate(region, template, mode="valid")))
