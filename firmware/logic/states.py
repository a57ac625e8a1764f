"""Posture state codes shared by the detector, the coach, the log and the host."""

from .compat import const

NOT_WORN = const(0)
SITTING = const(1)
STANDING = const(2)
WALKING = const(3)
LYING = const(4)

COUNT = const(5)

NAMES = ("not_worn", "sitting", "standing", "walking", "lying")


def is_upright(state):
    """Standing or walking: the states that break up sitting."""
    return state == STANDING or state == WALKING
