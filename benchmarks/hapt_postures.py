"""How far apart a HAPT subject's ways of standing, sitting and walking are, in degrees.

For each experiment: the angle between the mean gravity of each labelled standing and sitting
bout and that of all its walking, between each bout and its first standing bout (where the
clip would take upright when put on), and how long its sitting bouts last. docs/detector.md quotes these angles for the rules that
compare a posture with the walk. Usage:
``.venv/bin/python benchmarks/hapt_postures.py [../shared/data/hapt]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from unsit.lab import hapt
from unsit.lab.motionstats import tilt_between_deg

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hapt"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    bouts = hapt.read_bouts(folder)
    print("experiment  user  standing vs walk   sitting vs walk    standing, sitting vs the "
          "first standing bout   sitting bouts (s)")
    widest = (0.0, 0)
    for experiment in hapt.find_experiments(folder):
        rows = np.asarray(experiment.read_rows())
        labelled = bouts.get(experiment.experiment, [])

        def spans(activity: int) -> list[np.ndarray]:
            return [rows[first:last + 1] for a, first, last in labelled if a == activity]

        walks, stands, sits = spans(hapt.WALKING), spans(hapt.STANDING), spans(hapt.SITTING)
        if not (walks and stands):
            continue
        walk = np.concatenate(walks)
        stand_walk = [tilt_between_deg(s, walk) for s in stands]
        sit_walk = [tilt_between_deg(s, walk) for s in sits]
        vs_first = [tilt_between_deg(s, stands[0]) for s in stands[1:] + sits]
        widest = max(widest, (max(stand_walk), experiment.experiment))
        print(f"{experiment.experiment:>10}  {experiment.user:>4}  "
              f"{' '.join(f'{a:5.1f}' for a in stand_walk):<17}  "
              f"{' '.join(f'{a:5.1f}' for a in sit_walk):<17}  "
              f"{' '.join(f'{a:5.1f}' for a in vs_first):<40}  "
              f"{' '.join(f'{len(s) / hapt.RATE_HZ:.0f}' for s in sits)}")
    print(f"widest angle between a standing bout and the walk: {widest[0]:.1f} degrees "
          f"(experiment {widest[1]})")


if __name__ == "__main__":
    main()
