"""One notion of a bout: the review's SQL classifies minutes exactly as the clip's rules do
(``logic.bouts``), and a bout ends the same way on both sides."""

from __future__ import annotations

import itertools
import sqlite3

from unsit.review import bouts as review
from unsit_firmware.logic import bouts, states


def test_the_reviews_minute_class_is_the_clips():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE minutes (sitting_s, standing_s, walking_s, lying_s)")
    values = (0, 1, 10, 14, 15, 16, 29, 30, 31, 45, 59, 60)
    rows = [r for r in itertools.product(values, repeat=4) if sum(r) <= 60]
    conn.executemany("INSERT INTO minutes VALUES (?, ?, ?, ?)", rows)
    said = conn.execute(f"SELECT sitting_s, standing_s, walking_s, lying_s,"
                        f" {review.MINUTE_CLASS_SQL}, {review.SITTING_SQL}"
                        f" FROM minutes").fetchall()
    assert len(said) == len(rows) > 1000
    for *seconds, cls, sitting in said:
        assert cls == bouts.minute_class(*seconds), seconds
        assert bool(sitting) == (cls == states.SITTING), seconds


def test_a_bout_ends_the_same_way_on_both_sides():
    assert review._END_OF_CLASS == {
        states.STANDING: review.BREAK, states.WALKING: review.BREAK,
        states.LYING: review.LYING, states.NOT_WORN: review.NOT_WORN}
    assert bouts.minute_end(states.SITTING) == 0
