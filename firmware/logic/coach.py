"""The sitting coach: counts unbroken sitting and decides when the clip reminds the wearer.

Fed once per detector second with the posture state, it keeps the current sitting *bout*:

- What a bout is, and what ends it, is ``logic.bouts`` (shared with the laptop's review).
  Sitting seconds add to ``sitting_s``. Standing or walking for ``break_s`` seconds in a row is
  a break; lying for ``bouts.LIE_END_S`` in a row ends the bout too; shorter spells pause the
  count. Each ended bout is logged as ``BOUT_END`` (its sitting seconds, how it ended).
- A still desk: when the detector says NOT_WORN it also says since when the device had been
  still; the sitting seconds counted since then are taken back (a ring of one bit per second
  remembers which of the last ``_RING`` seconds were counted as sitting), and the bout ends
  there (the clip was taken off).
- Reminders: one *slot* falls due at ``sit_limit_min`` of sitting, then every ``repeat_min`` of
  further sitting (counted from the previous slot), ``1 + max_repeats`` slots per bout. A slot
  is played (``REMINDER`` event and a pattern id returned) or, when charging, in quiet hours
  or on a day off the weekday schedule, logged as ``REMINDER_SUPPRESSED``; either way it uses
  up the slot, which bounds both buzzing and the log. Reminders only ever fall due on a
  sitting second, so the clip never buzzes while the wearer lies, stands, walks or has taken
  it off.
- Snooze: ``double_tap`` silences reminders for ``snooze_min``; another double tap restarts the
  snooze from that moment (it never cancels one: a stray tap must not cause a buzz). A slot
  that falls due while snoozed is held, not used up (logged once as ``REMINDER_SUPPRESSED``
  with reason snooze) and plays on the first sitting second after the snooze; slots that
  were not due yet keep their time.
- Heeded: a break that *starts* within ``HEEDED_WINDOW_S`` (5 min) of a played reminder emits
  ``HEEDED`` with the seconds from the reminder to the first upright second.
- An unset clock (uptime seconds, see ``logic.localtime``) has no local time: quiet hours and
  the weekday schedule are then not applied, and the coach reminds as usual.

``t_s`` is in device seconds (``logic.localtime``: small ints on a 32-bit port). Internally
the coach counts the calls (one per second), not differences of ``t_s``: a clock set or
corrected by the host mid-bout neither adds nor removes sitting. ``t_s`` is used for the local
time of day, ``snoozed_until``, the still-desk discount and the gap after a restore. A
``second`` that emits no event allocates nothing (tested under ``heap_lock`` on the 32-bit
build).
"""

import struct

from . import bouts
from . import events
from . import patterns
from .localtime import CLOCK_SET_AFTER, day_allowed, device_seconds, is_quiet
from .states import LYING, NOT_WORN, SITTING, is_upright

from .compat import const

AWAY_RESET_S = const(30 * 60)
HEEDED_WINDOW_S = const(5 * 60)

_RING = const(4096)          # seconds of sitting history kept for the still-desk discount
_RING_MASK = const(4095)
_MAX_U16 = const(65535)

_SAVE_VERSION = const(2)     # 1: the t_s saved was UTC (or uptime), not device seconds
# version, previous state, slots used, reminders played, flags (bit 0: a slot is held by the
# snooze), sitting_s, upright_s, away_s, next due (sitting seconds), snooze seconds left,
# seconds since the last played reminder (-1: none), slot index of that reminder, t_s of the
# last second
_SAVE_FORMAT = "<BBBBBIIIIIibq"
SAVE_SIZE = const(38)        # struct.calcsize(_SAVE_FORMAT)


class Coach:
    """Sitting coach; ``emit(kind, a=0, b=0)`` receives its events (see ``logic.events``)."""

    def __init__(self, settings, emit):
        self._settings = settings
        self._emit = emit
        self._ring = bytearray(_RING // 8)
        self._n = 0                 # ring position of the current second
        self._t = -1                # t_s of the last second fed (or of a double tap)
        self._resume_t = -1         # t_s saved before a restore, checked on the next second
        self._prev_state = NOT_WORN    # nothing seen yet: a first NOT_WORN is no taking off
        self.sitting_s = 0
        self.reminders_this_bout = 0   # slots used: reminders played or suppressed
        self._played = 0            # reminders felt this bout (picks the pattern)
        self._next_due = 0          # sitting_s at which the next repeat falls due
        self._upright_s = 0
        self._away_s = 0
        self._snooze_left = 0
        self._held = False             # the due slot is held by a snooze (logged once)
        self._since_reminder = -1
        self._reminder_slot = 0

    # -- live status ---------------------------------------------------------------------

    @property
    def snoozed_until(self):
        """``t_s`` at which the snooze ends, or 0 when not snoozed."""
        if self._snooze_left <= 0:
            return 0
        return self._t + self._snooze_left

    # -- inputs --------------------------------------------------------------------------

    def second(self, t_s, state, still_since_s=-1, charging=False):
        """Account for one second in ``state``; return a pattern id to play now, or 0.

        ``still_since_s`` (same time base as ``t_s``) is the second in which the current
        stillness began, or -1; it matters when ``state`` is NOT_WORN.
        """
        if self._resume_t >= 0:
            self._check_resume_gap(t_s)
        self._t = t_s
        self._n = (self._n + 1) & _RING_MASK
        if self._snooze_left > 0:
            self._snooze_left -= 1
        if self._since_reminder >= 0 and self._since_reminder < _MAX_U16:
            self._since_reminder += 1

        pattern = 0
        byte = self._n >> 3
        bit = 1 << (self._n & 7)
        if state == SITTING:
            self._ring[byte] |= bit
            self._upright_s = 0
            self._away_s = 0
            self.sitting_s += 1
            pattern = self._maybe_remind(t_s, charging)
        else:
            self._ring[byte] &= ~bit
            if is_upright(state):
                self._away_s = 0
                self._upright_s += 1
                upright = self._upright_s
                break_s = self._settings.get("break_s")
                # (the second test catches break_s lowered during a stand)
                if upright == break_s or (upright > break_s and self.sitting_s):
                    self._take_break()
            else:
                self._upright_s = 0
                self._away_s += 1
                if state == NOT_WORN and self._prev_state != NOT_WORN:
                    self._taken_off(t_s, still_since_s)
                elif state == LYING and self._away_s == bouts.LIE_END_S:
                    self._end_bout(bouts.END_LYING)
        self._prev_state = state
        return pattern

    def double_tap(self, t_s):
        """Snooze reminders for ``snooze_min`` from now; return the acknowledgement pattern."""
        minutes = self._settings.get("snooze_min")
        self._t = t_s
        self._snooze_left = minutes * 60
        self._emit(events.SNOOZE, minutes, 0)
        return patterns.SNOOZE_ACK

    # -- the rules -----------------------------------------------------------------------

    def _maybe_remind(self, t_s, charging):
        settings = self._settings
        slot = self.reminders_this_bout
        if slot == 0:
            if self.sitting_s < settings.get("sit_limit_min") * 60:
                return 0
        elif slot > settings.get("max_repeats") or self.sitting_s < self._next_due:
            return 0
        if not settings.get("enabled"):
            return 0
        if self._snooze_left > 0:
            # held, not used up: it plays on the first sitting second after the snooze
            if not self._held:
                self._held = True
                self._emit(events.REMINDER_SUPPRESSED, events.SUPPRESSED_SNOOZE,
                           self.sitting_s // 60)
            return 0
        self._held = False
        self.reminders_this_bout = slot + 1
        self._next_due = self.sitting_s + settings.get("repeat_min") * 60
        minutes = self.sitting_s // 60
        reason = self._suppressed_by(t_s, charging)
        if reason:
            self._emit(events.REMINDER_SUPPRESSED, reason, minutes)
            return 0
        self._emit(events.REMINDER, slot, minutes)
        self._since_reminder = 0
        self._reminder_slot = slot
        pattern = patterns.for_reminder(self._played)
        self._played += 1
        return pattern

    def _suppressed_by(self, t_s, charging):
        if charging:
            return events.SUPPRESSED_CHARGING
        settings = self._settings
        offset = settings.get("utc_offset_min")
        if is_quiet(t_s, offset, settings.get("quiet_start_min"), settings.get("quiet_end_min")):
            return events.SUPPRESSED_QUIET
        if not day_allowed(t_s, offset, settings.get("weekday_mask")):
            return events.SUPPRESSED_SCHEDULE
        return 0

    def _take_break(self):
        if self._since_reminder >= 0:
            got_up_after = self._since_reminder - self._upright_s + 1
            if got_up_after <= HEEDED_WINDOW_S:
                self._emit(events.HEEDED, got_up_after, self._reminder_slot)
        self._end_bout(bouts.END_BREAK)

    def _end_bout(self, how):
        if self.sitting_s:
            self._emit(events.BOUT_END, self.sitting_s if self.sitting_s < _MAX_U16 else _MAX_U16,
                       how)
        self.sitting_s = 0
        self._forget_reminders()

    def _forget_reminders(self):
        self.reminders_this_bout = 0
        self._played = 0
        self._next_due = 0
        self._since_reminder = -1
        self._held = False

    def _taken_off(self, t_s, still_since_s):
        """The device was still since ``still_since_s``: take back the sitting counted since."""
        still_s = 0
        discounted = 0
        if still_since_s >= 0 and t_s >= still_since_s:
            still_s = t_s - still_since_s
            back = still_s if still_s < _RING else _RING - 1
            ring = self._ring
            i = self._n
            while back > 0:
                i = (i - 1) & _RING_MASK
                if ring[i >> 3] & (1 << (i & 7)):
                    discounted += 1
                back -= 1
            if discounted > self.sitting_s:
                discounted = self.sitting_s
            self.sitting_s -= discounted
            still_s += 1  # the current second was still too
        self._emit(events.NOT_WORN, still_s if still_s < _MAX_U16 else _MAX_U16,
                   discounted if discounted < _MAX_U16 else _MAX_U16)
        self._end_bout(bouts.END_NOT_WORN)

    def _check_resume_gap(self, t_s):
        # Off for longer than a nap (both times on the host-set clock): the bout is over.
        if self._resume_t >= CLOCK_SET_AFTER and t_s - self._resume_t > AWAY_RESET_S:
            self._end_bout(bouts.END_RESET)
            self._snooze_left = 0
        self._resume_t = -1

    # -- surviving a reboot --------------------------------------------------------------

    def save(self):
        """The coach's state as ``SAVE_SIZE`` little-endian bytes (versioned)."""
        return struct.pack(
            _SAVE_FORMAT, _SAVE_VERSION, self._prev_state, self.reminders_this_bout,
            self._played, 1 if self._held else 0, self.sitting_s, self._upright_s,
            self._away_s, self._next_due, self._snooze_left, self._since_reminder,
            self._reminder_slot, self._t if self._t >= 0 else 0)

    @classmethod
    def restore(cls, settings, emit, data):
        """A coach that carries on from ``save()``'s bytes; ``ValueError`` if they are not one."""
        if len(data) != SAVE_SIZE or not 1 <= data[0] <= _SAVE_VERSION:
            raise ValueError("not a saved coach state (version %d)" % _SAVE_VERSION)
        (version, prev_state, slots, played, flags, sitting_s, upright_s, away_s, next_due,
         snooze_left, since_reminder, reminder_slot, t_s) = struct.unpack(_SAVE_FORMAT, data)
        if prev_state > LYING:
            raise ValueError("saved coach state has an unknown posture %d" % prev_state)
        if version == 1 and device_seconds(t_s) is not None:
            t_s = device_seconds(t_s)   # saved by a firmware that counted in UTC
        coach = cls(settings, emit)
        coach._prev_state = prev_state
        coach.reminders_this_bout = slots
        coach._played = played
        coach._held = flags & 1 == 1
        coach.sitting_s = sitting_s
        coach._upright_s = upright_s
        coach._away_s = away_s
        coach._next_due = next_due
        coach._snooze_left = snooze_left
        coach._since_reminder = since_reminder
        coach._reminder_slot = reminder_slot
        coach._t = t_s
        coach._resume_t = t_s
        return coach
