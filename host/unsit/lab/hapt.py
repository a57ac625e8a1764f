"""Reading the HAPT data set (UCI "Smartphone-Based Recognition of Human Activities and
Postural Transitions", RawData layout): experiments, their samples and per-sample labels.

A folder holds ``acc_expXX_userYY.txt`` (50 Hz, x y z in g, gravity included) and
``labels.txt`` (``experiment user activity start end``, 1-based inclusive sample indices).
Samples outside every labelled bout are unlabelled (label 0) and must be scored as unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from unsit.errors import InputError

RATE_HZ = 50

UNLABELLED = 0
WALKING = 1
WALKING_UPSTAIRS = 2
WALKING_DOWNSTAIRS = 3
SITTING = 4
STANDING = 5
LAYING = 6
# 7..12 are the postural transitions (stand-to-sit, sit-to-stand, ...).
FIRST_TRANSITION = 7

_ACC_NAME = re.compile(r"acc_exp(\d+)_user(\d+)\.txt$")


@dataclass(frozen=True)
class Experiment:
    """One recording: who, which experiment, where its samples are."""

    experiment: int
    user: int
    path: Path

    def read_rows(self) -> list[tuple[float, float, float]]:
        """The samples as (x, y, z) in g at :data:`RATE_HZ`."""
        rows = []
        with open(self.path, encoding="ascii") as handle:
            for number, line in enumerate(handle, start=1):
                fields = line.split()
                if not fields:
                    continue
                if len(fields) != 3:
                    raise InputError(f"{self.path}, line {number}: expected three numbers")
                rows.append((float(fields[0]), float(fields[1]), float(fields[2])))
        return rows


def find_experiments(folder: Path | str) -> list[Experiment]:
    """Every experiment in a HAPT folder, sorted by experiment number."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder")
    found = []
    for path in root.iterdir():
        match = _ACC_NAME.match(path.name)
        if match:
            found.append(Experiment(int(match.group(1)), int(match.group(2)), path))
    if not found:
        raise InputError(f"{root}: no acc_expXX_userYY.txt files (not a HAPT RawData folder)")
    return sorted(found, key=lambda e: e.experiment)


def read_bouts(folder: Path | str) -> dict[int, list[tuple[int, int, int]]]:
    """Labelled bouts per experiment: ``(activity, first, last)`` as 0-based inclusive indices."""
    path = Path(folder) / "labels.txt"
    if not path.is_file():
        raise InputError(f"{path}: missing (a HAPT folder has labels.txt)")
    bouts: dict[int, list[tuple[int, int, int]]] = {}
    with open(path, encoding="ascii") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                continue
            try:
                experiment, _user, activity, start, end = (int(f) for f in fields)
            except ValueError:
                raise InputError(f"{path}, line {number}: expected five whole numbers") from None
            bouts.setdefault(experiment, []).append((activity, start - 1, end - 1))
    return bouts


def sample_labels(bouts: list[tuple[int, int, int]], length: int) -> bytearray:
    """The activity of every sample (0 where unlabelled)."""
    labels = bytearray(length)
    for activity, first, last in bouts:
        last = min(last, length - 1)
        if first <= last:
            labels[first:last + 1] = bytes([activity]) * (last - first + 1)
    return labels
