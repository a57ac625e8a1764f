"""What became of each reminder: heeded (the wearer got up), snoozed (double tap) or ignored.

The coach logs ``REMINDER`` (a = repeat index, b = minutes sat), ``HEEDED`` when the wearer
gets up within its window (a = seconds from the reminder to getting up) and ``SNOOZE`` on a
double tap (a = snooze minutes). Of the events logged after a reminder (in log order), up to
the next reminder:

- a ``HEEDED`` (within :data:`MAX_ANSWER_S`) makes it *heeded*, even after a snooze: what
  counts is that the wearer got up;
- otherwise a ``SNOOZE`` within :data:`SNOOZE_WINDOW_S` of it makes it *snoozed*: the wearer
  felt it and asked for quiet (the coach then holds the next slot until the snooze ends);
- otherwise it was *ignored*; so is a reminder at the very end of the data (until the next
  sync says otherwise).

:func:`outcomes` is the one place this is decided: review (docs/metrics.md, "Reminders"), the
simulator's summary and the demo all call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from unsit_firmware.logic import coach, events

#: A HEEDED answers the reminder logged at most this long before it; older ones (lost
#: records, a reboot between them) are not paired across.
MAX_ANSWER_S = 6 * 3600
#: A double tap this soon after a reminder answers it: the coach's own window for heeding
#: (``logic.coach.HEEDED_WINDOW_S``, 5 min). A later tap snoozes what is to come, not it.
SNOOZE_WINDOW_S = coach.HEEDED_WINDOW_S

HEEDED = "heeded"
SNOOZED = "snoozed"
IGNORED = "ignored"

#: The event kinds :func:`outcomes` reads; others are passed over.
KINDS = (events.REMINDER, events.HEEDED, events.SNOOZE)


class Outcome(NamedTuple):
    """One reminder and what became of it. ``t`` is in the unit of the events given."""

    t: int
    repeat: int              # 0 = the first reminder of the sitting bout
    minutes_sat: int
    outcome: str             # HEEDED, SNOOZED or IGNORED
    get_up_s: int | None     # seconds from the reminder to getting up, when heeded
    snooze_min: int | None   # the snooze that answered it, when snoozed


def outcomes(log: Iterable[tuple[int, int, int, int]]) -> list[Outcome]:
    """Each reminder among ``log`` (``(t, kind, a, b)`` events in log order, ``t`` in seconds
    on one clock) with its outcome, in order."""
    found: list[Outcome] = []
    pending: tuple[int, int, int] | None = None      # the unanswered reminder: t, repeat, sat
    snooze: int | None = None                        # minutes of the snooze that answered it

    def unanswered(reminder: tuple[int, int, int]) -> Outcome:
        return Outcome(*reminder, SNOOZED if snooze is not None else IGNORED, None, snooze)

    for t, kind, a, b in log:
        if kind == events.REMINDER:
            if pending is not None:
                found.append(unanswered(pending))
            pending = (t, a, b)
            snooze = None
        elif pending is None:
            continue
        elif kind == events.SNOOZE:
            if snooze is None and 0 <= t - pending[0] <= SNOOZE_WINDOW_S:
                snooze = a
        elif kind == events.HEEDED:
            if 0 <= t - pending[0] <= MAX_ANSWER_S:
                found.append(Outcome(*pending, HEEDED, a, None))
            else:
                found.append(unanswered(pending))
            pending = None
    if pending is not None:
        found.append(unanswered(pending))
    return found
