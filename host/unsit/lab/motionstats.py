"""Statistics of a trace's bouts that a real recording and a generated trace can be compared on.

Used to check the trace generator against the HAPT recordings (tests/test_tracegen.py and
docs/tracegen.md): the tilt between the mean gravity of sitting and of standing, the step
frequency of walking, the spread of walking acceleration, and the small residual motion of a
still posture (what remains after a one-second moving average: sway, fidgets, sensor noise).
All take ``(n, 3)`` arrays in g.
"""

from __future__ import annotations

import math

import numpy as np


def mean_direction(samples: np.ndarray) -> np.ndarray:
    """Unit vector of the mean acceleration: the direction of gravity in the sensor's axes."""
    mean = samples.mean(axis=0)
    return mean / np.linalg.norm(mean)


def tilt_between_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle in degrees between the mean gravity directions of two sets of samples."""
    cos = float(np.clip(mean_direction(a) @ mean_direction(b), -1.0, 1.0))
    return math.degrees(math.acos(cos))


def step_frequency_hz(samples: np.ndarray, rate_hz: float) -> float:
    """Dominant frequency (1-3 Hz) of the acceleration magnitude: steps per second."""
    magnitude = np.linalg.norm(samples, axis=1)
    magnitude = magnitude - magnitude.mean()
    padded = len(magnitude) * 8  # zero-padding: a finer frequency grid for the peak
    freqs = np.fft.rfftfreq(padded, 1.0 / rate_hz)
    power = np.abs(np.fft.rfft(magnitude, padded))
    band = (freqs > 1.0) & (freqs < 3.0)
    return float(freqs[band][power[band].argmax()])


def magnitude_sd_mg(samples: np.ndarray) -> float:
    """Standard deviation of the acceleration magnitude, in milli-g."""
    return float(np.linalg.norm(samples, axis=1).std() * 1000.0)


def residual_mg(samples: np.ndarray, rate_hz: float) -> float:
    """Mean per-axis SD (milli-g) of what a one-second moving average leaves: small motion."""
    width = max(1, int(round(rate_hz)))
    kernel = np.ones(width) / width
    residual = np.stack(
        [samples[:, i] - np.convolve(samples[:, i], kernel, "same") for i in range(3)], axis=1)
    residual = residual[width:-width]
    return float(residual.std(axis=0).mean() * 1000.0)
