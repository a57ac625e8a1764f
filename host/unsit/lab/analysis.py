"""Running the firmware's own posture detector over a recording on the laptop.

The detector is imported from the firmware tree (``unsit_firmware.logic.detector``): the
laptop runs the very code the board runs, fed the samples a board would deliver.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from unsit_firmware.logic.detector import Detector
from unsit_firmware.logic.states import NAMES

from unsit.lab.trace import BOARD_RATE_HZ


class Second(NamedTuple):
    second: int
    state: str
    steps: int
    still_since: int


def detect_stream(samples: Iterable[tuple[int, int, int]]) -> Iterator[Second]:
    """One result per whole second of a stream of (x, y, z) milli-g samples at 25 Hz."""
    detector = Detector(rate_hz=BOARD_RATE_HZ)
    feed = detector.feed
    for x, y, z in samples:
        if feed(x, y, z):
            yield Second(detector.second, NAMES[detector.state], detector.steps,
                         detector.still_since)
