"""What a sitting bout is: one set of rules for the clip's coach (per second) and the laptop's
review (per logged minute), so that a reminder always sits at the limit of the bout the report
shows. docs/metrics.md ("Bouts and breaks") gives the reasons.

A bout is sitting time that goes on through short spells of anything else, and ends:
- with a break: upright (standing or walking) for ``break_s`` seconds in a row (a setting,
  60 s by default; the review sees it as an upright minute);
- with lying for ``LIE_END_S`` in a row (a lying minute);
- when the clip is taken off: the detector's NOT_WORN, which is said ``NOT_WORN_AFTER_S``
  after the clip came to rest, ends the bout at once, and the sitting counted since it came to
  rest is taken back (a not-worn minute);
- at a hole in the log (the review only: the clip was off).
"""

from .states import LYING, NOT_WORN, SITTING, STANDING, WALKING

from .compat import const

LIE_END_S = const(60)

# How a bout ended (the ``b`` of a BOUT_END event).
END_BREAK = const(1)
END_LYING = const(2)
END_NOT_WORN = const(3)
END_RESET = const(4)     # the clip was off longer than a nap across a restart


def minute_class(sitting, standing, walking, lying):
    """The posture of a logged minute from its seconds: not worn under 30 worn seconds;
    sitting when it outweighs upright (standing + walking) and lying; else upright (walking
    when it outweighs standing) unless lying outweighs it."""
    if sitting + standing + walking + lying < 30:
        return NOT_WORN
    if sitting > standing + walking and sitting >= lying:
        return SITTING
    if standing + walking >= lying:
        return WALKING if walking > standing else STANDING
    return LYING


def minute_end(state):
    """How a minute of ``state`` after sitting minutes ends their bout."""
    if state == STANDING or state == WALKING:
        return END_BREAK
    if state == LYING:
        return END_LYING
    if state == NOT_WORN:
        return END_NOT_WORN
    return 0
