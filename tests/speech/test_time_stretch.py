"""Speed changes the length of speech, never its pitch."""

import numpy as np
import pytest

from speech.stretch import time_stretch

RATE = 24000


def tone(frequency: float, seconds: float) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * frequency * np.arange(int(RATE * seconds)) / RATE)).astype(np.float32)


def strongest_frequency(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return np.fft.rfftfreq(len(samples), 1 / RATE)[np.argmax(spectrum)]


@pytest.mark.parametrize("speed", [0.25, 0.5, 1.5, 2.0, 4.0])
def test_the_stretched_audio_lasts_its_length_over_the_speed(speed):
    stretched = time_stretch(tone(220, 2.0), speed, RATE)

    assert len(stretched) == int(2.0 * RATE / speed)


@pytest.mark.parametrize("speed", [0.5, 2.0])
def test_a_stretched_tone_keeps_its_pitch(speed):
    stretched = time_stretch(tone(220, 2.0), speed, RATE)

    assert strongest_frequency(stretched[RATE // 10 : -RATE // 10]) == pytest.approx(220, abs=3)


def test_a_stretched_tone_stays_as_loud_without_clicks():
    stretched = time_stretch(tone(220, 2.0), 2.0, RATE)[RATE // 20 : -RATE // 20]

    assert np.abs(stretched).max() == pytest.approx(0.5, abs=0.05)
    assert np.sqrt(np.mean(stretched**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_speed_one_is_the_audio_unchanged():
    samples = tone(220, 0.5)

    assert time_stretch(samples, 1.0, RATE) is samples
