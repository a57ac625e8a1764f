"""Vibration patterns: what the wearer feels for each reminder, escalating gently.

A pattern is a tuple of steps ``(on_ms, off_ms, percent)``: drive the motor at ``percent`` for
``on_ms``, then stop for ``off_ms``. ``percent`` is relative to the wearer's ``motor_percent``
setting (100 = the strength they chose); ``drive_percent`` turns it into the motor's duty. The
app plays a pattern without blocking its loop; the coach only names one by id.

Reminders grow by one pulse and a little strength with each repeat in a sitting bout, never
into a long or harsh buzz: the first is two soft taps, the fourth and later three firm pulses
and a longer one. Ids are stable (the simulator and the log refer to them).
"""

from .compat import const

NONE = const(0)
REMINDER_1 = const(1)
REMINDER_2 = const(2)
REMINDER_3 = const(3)
REMINDER_4 = const(4)
SNOOZE_ACK = const(5)   # one short tick: the double tap was understood
PAIRING_OPEN = const(6)  # three quick ticks: the pairing window is open
KEY_CHANGED = const(7)   # long-short-long, firm: a computer was paired, or every key went

_REMINDERS = const(4)

_TABLE = (
    (),
    ((150, 250, 60), (150, 0, 60)),
    ((200, 200, 75), (200, 200, 75), (200, 0, 75)),
    ((250, 200, 90), (250, 200, 90), (250, 200, 90), (250, 0, 90)),
    ((300, 200, 100), (300, 200, 100), (300, 200, 100), (600, 0, 100)),
    ((60, 0, 60),),
    ((60, 100, 70), (60, 100, 70), (60, 0, 70)),
    ((500, 150, 100), (120, 150, 100), (500, 0, 100)),
)

COUNT = const(8)


def for_reminder(played):
    """The pattern for the ``played``-th reminder felt in a sitting bout (0 = the first)."""
    if played >= _REMINDERS:
        return REMINDER_4
    return REMINDER_1 + played


def steps(pattern_id):
    """The ``(on_ms, off_ms, percent)`` steps of a pattern; ``()`` for ``NONE``."""
    return _TABLE[pattern_id]


def duration_ms(pattern_id):
    """How long the pattern takes to play, in milliseconds."""
    total = 0
    for on_ms, off_ms, _ in _TABLE[pattern_id]:
        total += on_ms + off_ms
    return total


def drive_percent(percent, motor_percent):
    """The motor duty for a step's ``percent`` at the wearer's ``motor_percent`` (integer)."""
    return (percent * motor_percent + 50) // 100
