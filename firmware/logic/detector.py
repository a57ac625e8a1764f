"""Posture detector: sitting, standing, walking, lying and not worn, from a belt clip worn in
any orientation, one answer per second. Pure integer logic, no allocation per sample.

How it decides (docs/detector.md has the reasons, the thresholds and the figures):
- Every sample: the magnitude (integer square root) and a slow baseline of it; steps are
  peaks above the baseline; where the magnitude dipped and peaked since the body was last
  still tells a sit-down (dip, then the landing) from a stand-up (push, then the dip).
- Every second: the mean vector is the direction of gravity in the clip's axes.
  * Not worn: a table does not move, a body always drifts a little. ``NOT_WORN_AFTER_S``
    seconds as still as a table make ``NOT_WORN``, with ``still_since`` where it began.
  * Walking: steps in the last two seconds, at least three in the last three.
  * Still postures are read against the wearer's own posture clusters: upright (the first
    posture held after the clip is put on, checked against walking), sitting (the first clear
    tilt away from it) and lying (far from upright). Sitting and standing change only on
    evidence: a strong movement (the sit-down or stand-up shape, a hard dip or landing,
    steps) ending in the other posture, walking, or a long clear agreement of the tilt with
    the other posture; a lean or a weight shift changes nothing. After lying, the wearer sits
    up before standing up. Walking far from upright means the clip was moved: the clusters
    are learned again.

Across a reset: ``save()`` gives the whole state as ``SAVE_SIZE`` bytes (a fixed little-endian
layout: version byte, rate, fields, CRC-32) and ``Detector.restore(rate_hz, data)`` carries on
from them exactly, mid-second included: fed the same samples, the restored detector answers
every second as the one that was saved would have. Data that is short, long, of another
version or rate, or damaged gives a fresh detector instead (never an exception).
"""

import struct
from array import array

from .fixedmath import chord2, isqrt, UNIT
from .states import NOT_WORN, SITTING, STANDING, WALKING, LYING

from .compat import const

try:
    from binascii import crc32
except ImportError:  # pragma: no cover - every supported port has binascii.crc32
    from zlib import crc32

_CLAMP = const(16000)           # mg: keeps x*x + y*y + z*z below 2**30
# Steps: peaks of magnitude above its baseline.
_STEP_HIGH = const(120)         # mg above the baseline arms a step ...
_STEP_LOW = const(-40)          # ... once the signal has been this far below it
_STEP_GAP_MS = const(300)       # shortest time between two steps (3.3 steps/s)
_WALK_STEPS = const(3)          # steps in the last three seconds that make walking
_GESTURE_PEAK = const(240)      # sum of 3 samples (80 mg) above the baseline: a landing ...
_GESTURE_DIP = const(150)       # ... and 50 mg below it: a fall, or a push up
# Movement and stillness (per second).
_MOVE_ACT = const(35)           # mean |magnitude - baseline| (mg) above which the body moves
_MOVE_JUMP = const(50)          # mg the second's mean may shift while the posture holds
_TABLE_DRIFT = const(2)         # mg each axis may stray from the still run's start on a table
_TABLE_ACT = const(6)           # mean |magnitude - baseline| (mg) of a device at rest
_WAKE_DRIFT = const(8)          # mg a not-worn device must move in a second to count as worn
NOT_WORN_AFTER_S = const(30)
_SEATED_AFTER_S = const(20)     # without a movement, standing ends only after this long ...
_UPRIGHT_AFTER_S = const(60)    # ... and sitting ends by tilt alone only after this long
_SETTLE_S = const(3)            # still seconds before a posture is taken as upright ...
_UP_SURE_S = const(10)          # ... and how long it must last to be kept
_SAT_UP_S = const(6)            # sitting up after lying this long, a move may be standing up
_WALK_AWAY_S = const(4)         # walking this long ends 'just got out of bed'
_STRONG_PEAK = const(480)       # a peak (3-sample sum, 160 mg) or ...
_STRONG_DIP = const(300)        # ... a dip (100 mg) this large may be a transition alone
_SETTLING_S = const(8)          # movements this soon after a strong one are part of it
_SIT_MOVE_S = const(2)          # a sit-down takes this long: a shorter jolt is no sit-down
_STOOD_STEPS = const(2)         # steps in a movement that make it a stand-up
_WALK_FORGET_S = const(3)       # walking this long forgets the movement before it
_WALK_LEARN_S = const(8)        # walking this long teaches the upright direction
# Angles between gravity directions, as chord2 of unit vectors of length UNIT (fixedmath).
_LIE_CHORD = const(20984721)    # 68 degrees from upright: lying
_SIT_CHORD = const(326549)      # 8 degrees from upright, before a sitting cluster exists
_STOOD_SIT_CHORD = const(733245) # 12 degrees from upright after a standing-up movement
_SIT_SAT_CHORD = const(45985)   # 3 degrees from upright after a sitting-down movement
_SAME_CHORD = const(45985)      # 3 degrees: after a fidget, still the same posture
_UPRIGHT_CHORD = const(183815)  # 6 degrees: clearly upright (and far from sitting)
_LEARN_CHORD = const(81737)     # 4 degrees: a posture this near its cluster teaches it
_ADJUST_CHORD = const(2023580)  # 20 degrees: a new posture while the clip is put on
_REUP_CHORD = const(2023580)    # 20 degrees: upright from putting on, corrected by walking
_MOVED_CHORD = const(4495441)   # 30 degrees: walking this far from upright means the clip moved
MOVED_CHORD = _MOVED_CHORD      # public: the app tells a moved clip from a corrected start

# Saved state (save/restore). Version, rate_hz, state, steps, flags (``_flags()``, u32), the
# bout's gesture, samples in the second so far, the last three seconds' steps; since_step, step_now,
# tick (u16), t_lo, t_hi (i16), disagree, dwell, mag (u16); stepped, after_strong, move_s,
# bout_move_s (u8); second, still_since, the second's sums x y z, base16, act, h1, h2, lo, hi,
# still_run, walk_run, still_s, sat_up_s (i32); anchor, prev (mg), then the unit vectors up,
# sit, walk, still_u (i16 x 3 each); then the CRC-32 of all that (u32).
_SAVE_VERSION = const(2)
_SAVE_FORMAT = "<BBBBIbBBBBHHHhhHHHBBBBiiiiiiiiiiiiiii18h"
_SAVE_BODY = const(129)         # struct.calcsize(_SAVE_FORMAT)
SAVE_SIZE = const(133)          # the body and its CRC-32
_FLAG_COUNT = const(18)


class Detector:
    """Feed samples (integer milli-g); every ``rate_hz`` samples a second's answer is ready."""

    def __init__(self, rate_hz=25):
        if rate_hz < 20 or rate_hz > 100:
            raise ValueError("rate_hz must be between 20 and 100")
        self.rate_hz = rate_hz
        self.state = NOT_WORN
        self.steps = 0
        self.still_since = 0
        self.second = -1
        self.recalibrated = False   # True for the second in which the clusters were reset
        self.recal_chord2 = 0       # then: chord2 between the old upright and the new one
        self._step_gap = (rate_hz * _STEP_GAP_MS) // 1000
        # Per-sample state.
        self._n = 0
        self._sx = 0
        self._sy = 0
        self._sz = 0
        self._mag = 1000
        self._base16 = 1000 * 16
        self._act = 0
        self._armed = False
        self._since_step = 0
        self._step_now = 0
        # Per-second state.
        self._recent_steps = array("b", (0, 0, 0))
        self._off = True               # not worn: on a table, or never moved since start
        self._cold = True              # no second seen moving since start-up
        self._anchor = array("i", (0, 0, 0))
        self._prev = array("i", (0, 0, 0))
        self._still_run = 0
        self._moved = True
        self._disagree = 0
        # Posture clusters: unit vectors (length UNIT) and whether they are known.
        self._up = array("i", (0, 0, UNIT))
        self._sit = array("i", (0, 0, UNIT))
        self._walk = array("i", (0, 0, UNIT))
        self._has_up = False
        self._up_sure = False          # upright learned from a long still posture or walking
        self._dwell = 0
        self._up_walked = False        # the upright cluster agreed with walking at least once
        self._has_sit = False
        self._has_walk = False
        self._walk_run = 0
        self._still_s = 0
        self._after_lying = False      # lay down, and has not stood up nor walked since
        self._sat_up_s = 0             # still seconds sitting up after lying
        self._u = array("i", (0, 0, UNIT))
        self._h1 = 0
        self._h2 = 0
        self._bout_gesture = 0
        self._still_u = array("i", (0, 0, UNIT))   # gravity in the last still second
        self._has_still = False
        self._stepped = 0              # steps since the body was last still
        self._strong = False           # the movement before this still bout may be a transition
        self._after_strong = 100       # seconds since a strong movement ended
        self._walk_move = False        # walked since the body was last still
        self._bout_walked = False      # ... before this still bout
        self._by_tilt = False          # the posture was taken from the tilt alone
        self._bout_landed = False      # the movement before this still bout landed hard
        self._resumed = False          # samples were lost since the last still second
        self._move_s = 0               # seconds of movement since the body was last still
        self._bout_move_s = 0          # ... before this still bout
        self._tick = 0
        self._lo = 0
        self._hi = 0
        self._t_lo = 0
        self._t_hi = 0

    # -- surviving a reset ----------------------------------------------------------------

    def _arrays(self):
        return (self._anchor, self._prev, self._up, self._sit, self._walk, self._still_u)

    def _flags(self):
        flags = 0
        bit = 1
        for on in (self.recalibrated, self._armed, self._off, self._cold, self._moved,
                   self._has_up, self._up_sure, self._up_walked, self._has_sit,
                   self._has_walk, self._after_lying, self._has_still, self._strong,
                   self._walk_move, self._bout_walked, self._by_tilt, self._bout_landed,
                   self._resumed):
            if on:
                flags |= bit
            bit <<= 1
        return flags

    def save(self):
        """The whole state as ``SAVE_SIZE`` bytes, for ``Detector.restore`` after a reset."""
        recent = self._recent_steps
        fields = [
            _SAVE_VERSION, self.rate_hz, self.state, self.steps, self._flags(),
            self._bout_gesture, self._n, recent[0], recent[1], recent[2], self._since_step,
            self._step_now, self._tick, self._t_lo, self._t_hi, self._disagree, self._dwell,
            self._mag, self._stepped, self._after_strong, self._move_s, self._bout_move_s,
            self.second, self.still_since, self._sx, self._sy, self._sz,
            self._base16, self._act, self._h1, self._h2, self._lo, self._hi, self._still_run,
            self._walk_run, self._still_s, self._sat_up_s]
        for a in self._arrays():
            fields.extend(a)
        body = struct.pack(_SAVE_FORMAT, *fields)
        return body + struct.pack("<I", crc32(body) & 0xFFFFFFFF)

    @classmethod
    def restore(cls, rate_hz, data):
        """A detector that carries on from ``save()``'s bytes; a fresh one if they are not."""
        d = cls(rate_hz)
        d._load(data)
        return d

    def resumed(self):
        """Samples were lost (the board was reset): what the wearer did meanwhile is unknown,
        so the next still posture is read from the tilt as after a strong movement."""
        self._moved = True
        self._resumed = True

    def _load(self, data):
        # Everything is checked before anything is set: bad data leaves a fresh detector.
        if (data is None or len(data) != SAVE_SIZE or data[0] != _SAVE_VERSION
                or data[1] != self.rate_hz):
            return False
        body = memoryview(data)[:_SAVE_BODY]
        if crc32(body) & 0xFFFFFFFF != struct.unpack_from("<I", data, _SAVE_BODY)[0]:
            return False
        v = struct.unpack(_SAVE_FORMAT, body)
        if (v[2] > LYING or v[6] >= self.rate_hz or v[4] >> _FLAG_COUNT
                or not -1 <= v[5] <= 1):
            return False
        self.state = v[2]
        self.steps = v[3]
        flags = v[4]
        (self.recalibrated, self._armed, self._off, self._cold, self._moved, self._has_up,
         self._up_sure, self._up_walked, self._has_sit, self._has_walk, self._after_lying,
         self._has_still, self._strong, self._walk_move,
         self._bout_walked, self._by_tilt, self._bout_landed,
         self._resumed) = [flags >> i & 1 == 1 for i in range(_FLAG_COUNT)]
        self._bout_gesture = v[5]
        self._n = v[6]
        recent = self._recent_steps
        recent[0] = v[7]
        recent[1] = v[8]
        recent[2] = v[9]
        (self._since_step, self._step_now, self._tick, self._t_lo, self._t_hi, self._disagree,
         self._dwell, self._mag, self._stepped, self._after_strong, self._move_s,
         self._bout_move_s, self.second, self.still_since, self._sx, self._sy, self._sz,
         self._base16, self._act, self._h1, self._h2, self._lo, self._hi, self._still_run,
         self._walk_run, self._still_s, self._sat_up_s) = v[10:37]
        i = 37
        for a in self._arrays():  # filled in place: feed() keeps allocating nothing
            a[0] = v[i]
            a[1] = v[i + 1]
            a[2] = v[i + 2]
            i += 3
        return True

    def feed(self, x, y, z):
        """Take one sample; True when a second is complete and the attributes are updated."""
        if x > _CLAMP:
            x = _CLAMP
        elif x < -_CLAMP:
            x = -_CLAMP
        if y > _CLAMP:
            y = _CLAMP
        elif y < -_CLAMP:
            y = -_CLAMP
        if z > _CLAMP:
            z = _CLAMP
        elif z < -_CLAMP:
            z = -_CLAMP
        self._sx += x
        self._sy += y
        self._sz += z
        m = isqrt(x * x + y * y + z * z, self._mag)
        self._mag = m
        hp = m - (self._base16 >> 4)
        self._base16 += hp
        self._act += hp if hp >= 0 else -hp
        # Where, since the body was last still, the smoothed magnitude dipped lowest and
        # peaked highest: sitting down dips (falling) then peaks (landing); standing up the
        # other way round.
        s3 = hp + self._h1 + self._h2
        self._h2 = self._h1
        self._h1 = hp
        if self._tick < 30000:
            self._tick += 1
        if s3 < self._lo:
            self._lo = s3
            self._t_lo = self._tick
        if s3 > self._hi:
            self._hi = s3
            self._t_hi = self._tick
        if self._since_step < 1000:
            self._since_step += 1
        if self._armed:
            if hp > _STEP_HIGH and self._since_step >= self._step_gap:
                self._step_now += 1
                self._since_step = 0
                self._armed = False
        elif hp < _STEP_LOW:
            self._armed = True
        self._n += 1
        if self._n < self.rate_hz:
            return False
        self._second()
        return True

    def _second(self):
        n = self._n
        gx = self._sx // n
        gy = self._sy // n
        gz = self._sz // n
        act = self._act // n
        steps = self._step_now
        self._n = 0
        self._sx = 0
        self._sy = 0
        self._sz = 0
        self._act = 0
        self._step_now = 0
        self.second += 1
        self.steps = steps
        self.recalibrated = False
        if self._after_strong < 100:
            self._after_strong += 1
        recent = self._recent_steps
        recent[0] = recent[1]
        recent[1] = recent[2]
        recent[2] = steps if steps < 100 else 100

        prev = self._prev
        jump = _absmax(gx - prev[0], gy - prev[1], gz - prev[2]) if self.second else 0
        prev[0] = gx
        prev[1] = gy
        prev[2] = gz
        if self._off:
            if self._cold:
                # Since start-up: worn as soon as it is not as still as a table.
                run = self._table_still(gx, gy, gz, act)
                moving = run <= 1 and self.second > 0
                if run >= NOT_WORN_AFTER_S:
                    self._cold = False
            else:
                # Known to be off: a slow drift (temperature) does not wake it, a move does.
                moving = jump > _WAKE_DRIFT or act > _MOVE_ACT
            if not moving:
                self.state = NOT_WORN
                return
            self._cold = False
            # Picked up (or put on): worn from this second. The clusters are kept (most often
            # it is clipped on as before) but the first walk checks them again closely.
            self._up_walked = False
            self._off = False
            self._moved = True
            self._still_run = 0
            self.still_since = -1
        elif self._table_still(gx, gy, gz, act) >= NOT_WORN_AFTER_S:
            self._off = True
            self.state = NOT_WORN
            return

        length = isqrt(gx * gx + gy * gy + gz * gz, 1000)
        if length < 300:
            return  # falling or thrown: no direction of gravity this second
        u = self._u
        u[0] = gx * UNIT // length
        u[1] = gy * UNIT // length
        u[2] = gz * UNIT // length

        walking = (recent[0] + recent[1] + recent[2] >= _WALK_STEPS
                   and recent[2] > 0 and recent[1] > 0)
        if walking:
            self._walking(u)
            return
        self._walk_run = 0
        if act > _MOVE_ACT or steps or jump > _MOVE_JUMP:
            if self._sat_up_s >= _SAT_UP_S:
                # Sat up out of bed for a while and now moves again: the next posture is read
                # as any other (this movement may be standing up).
                self._after_lying = False
                self._sat_up_s = 0
            self._moved = True
            self._still_s = 0
            if self._move_s < 100:
                self._move_s += 1
            if self._stepped < 100:
                self._stepped += steps
            if self.state == NOT_WORN or self.state == WALKING:
                self.state = STANDING
            if self._up_sure and self._lying(u):
                self.state = LYING  # lying down: say so before the body has settled
            return
        self._still_s += 1
        last = self._still_u
        if self._moved:
            gesture = self._gesture()
            if gesture == 0 and self._stepped >= _STOOD_STEPS:
                gesture = 1   # steps during the movement: the feet took the weight
            self._stepped = 0
            self._bout_walked = self._walk_move
            self._bout_move_s = self._move_s
            self._bout_landed = self._hi >= _STRONG_PEAK
            # A movement this strong may be a transition even without both halves of its
            # shape; a weaker one without the shape is a lean or a weight shift.
            strong = (gesture != 0 or self._hi >= _STRONG_PEAK or self._lo <= -_STRONG_DIP
                      or self._resumed)
            self._resumed = False
            if strong:
                self._after_strong = 0
            self._strong = strong
            if (gesture == 0 and self.state != WALKING and self._has_still and chord2(
                    u[0], u[1], u[2], last[0], last[1], last[2]) < _SAME_CHORD):
                # A fidget: back in the posture held before it. The bout goes on.
                self._moved = False
            else:
                # The movement that ended here tells the rest of this still bout.
                self._bout_gesture = gesture
        self._reset_gesture()
        self._walk_move = False
        self._move_s = 0
        _copy(last, u)
        self._has_still = True
        if not self._up_sure:
            self._putting_on(u)
            return
        state = self.state
        if self._moved or state == NOT_WORN or state == WALKING:
            candidate = self._classify(u, self._bout_gesture)
            self._moved = False
            if (state != NOT_WORN and state != LYING and candidate != LYING
                    and not self._after_lying):
                held = SITTING if state == SITTING else STANDING
                if candidate != held and not self._strong and (
                        candidate == STANDING or self._after_strong >= _SETTLING_S):
                    # A movement without the strength of a sit-down or a stand-up (a lean, a
                    # weight shift, turning in the chair): the posture held before it goes on.
                    # (Settling into the seat a few seconds after a strong movement belongs
                    # to it; standing up is one push.)
                    candidate = held
            self._disagree = 0
            if self._strong or state == WALKING or state == NOT_WORN:
                self._by_tilt = False   # the posture now rests on evidence
            self._accept(candidate, u, 2)
            return
        # No movement: the tilt alone (how the movement before this bout looked no longer
        # counts). Only a long, clear agreement with the other posture changes it (a
        # transition too slow to be seen): sitting ends so only when clearly upright for
        # _UPRIGHT_AFTER_S.
        candidate = self._classify(u, 0)
        if candidate != state:
            if candidate == SITTING and not self._clearly_sitting(u):
                self._disagree = 0
            elif (candidate == STANDING and state == SITTING and not self._after_lying
                  and not self._clearly_upright(u)):
                self._disagree = 0
            else:
                self._disagree += 1
                # Sitting ends by tilt alone only after long, unless tilt alone began it.
                if self._disagree >= (_UPRIGHT_AFTER_S if state == SITTING and not self._by_tilt
                                      else _SEATED_AFTER_S):
                    self._disagree = 0
                    self._accept(candidate, u, 2)
                    self._by_tilt = True
        else:
            self._disagree = 0
            self._accept(candidate, u, 5)

    def _putting_on(self, u):
        # Putting the clip on: the first posture held for a while is upright. A still posture
        # far from the one held so far means the clip is still being adjusted: start again.
        self.state = STANDING
        self._moved = False
        up = self._up
        if self._still_s < _SETTLE_S:
            return
        if not self._has_up or chord2(u[0], u[1], u[2], up[0], up[1], up[2]) > _ADJUST_CHORD:
            _copy(up, u)
            self._has_up = True
            self._dwell = 1
            return
        _blend(up, u, 2)
        self._dwell += 1
        if self._dwell >= _UP_SURE_S:
            self._up_sure = True

    def _table_still(self, gx, gy, gz, act):
        """Seconds the device has been as still as a table, ending with this one."""
        anchor = self._anchor
        if (act <= _TABLE_ACT and self._still_run > 0
                and _absmax(gx - anchor[0], gy - anchor[1], gz - anchor[2]) <= _TABLE_DRIFT):
            self._still_run += 1
        else:
            anchor[0] = gx
            anchor[1] = gy
            anchor[2] = gz
            if act <= _TABLE_ACT:
                self._still_run = 1
                self.still_since = self.second
            else:
                self._still_run = 0
                self.still_since = -1
        return self._still_run

    def _gesture(self):
        """The movement since the body was last still: sat down (-1), stood up (1), unclear (0)."""
        if self._hi < _GESTURE_PEAK or self._lo > -_GESTURE_DIP:
            return 0
        return -1 if self._t_lo < self._t_hi else 1

    def _reset_gesture(self):
        self._tick = 0
        self._lo = 0
        self._hi = 0
        self._t_lo = 0
        self._t_hi = 0

    def _walking(self, u):
        self.state = WALKING
        self._walk_move = True
        self._moved = True
        self._walk_run += 1
        if self._walk_run >= _WALK_FORGET_S:
            # Walking: the dip and the peak fade by half a second, so that when the wearer
            # stops, the shape of what ended the walk (a sit-down at its end, often begun
            # among the last steps) is what counts.
            self._hi >>= 1
            self._lo = -((-self._lo) >> 1)
            tick = self._tick
            self._tick = 0
            self._t_lo = self._t_lo - tick if self._t_lo - tick > -30000 else -30000
            self._t_hi = self._t_hi - tick if self._t_hi - tick > -30000 else -30000
        if self._walk_run >= _WALK_AWAY_S:
            self._after_lying = False
        walk = self._walk
        if not self._has_walk or self._walk_run == 1 and chord2(
                u[0], u[1], u[2], walk[0], walk[1], walk[2]) > _MOVED_CHORD:
            _copy(walk, u)
            self._has_walk = True
        else:
            _blend(walk, u, 3)
        if self._walk_run < _WALK_LEARN_S:
            return  # a few steps may be handling the clip, not walking with it
        up = self._up
        if not self._up_sure:
            # A posture held while the clip was put on, near enough to the walk to be a way
            # of standing, is kept as upright: people stand up to 17 degrees from how they walk.
            if not self._has_up or chord2(
                    walk[0], walk[1], walk[2], up[0], up[1], up[2]) > _REUP_CHORD:
                _copy(up, walk)
            self._has_up = True
            self._up_sure = True
            self._up_walked = True
        elif self._walk_run == _WALK_LEARN_S:
            far = chord2(walk[0], walk[1], walk[2], up[0], up[1], up[2])
            if far > _MOVED_CHORD or far > _REUP_CHORD and not self._up_walked:
                # Walking far from the upright cluster: the clip was moved, or the posture
                # taken as upright when it was put on was not (it was put on sitting).
                self.recal_chord2 = far
                _copy(up, walk)
                self._has_sit = False
                self.recalibrated = True
            self._up_walked = True

    def _clearly_sitting(self, u):
        """Tilted well away from upright, and nearer the sitting cluster when there is one."""
        up = self._up
        d_up = chord2(u[0], u[1], u[2], up[0], up[1], up[2])
        if d_up <= _SIT_CHORD:
            return False
        walk = self._walk
        if self._has_walk and chord2(u[0], u[1], u[2], walk[0], walk[1], walk[2]) <= _SIT_CHORD:
            return False
        if not self._has_sit:
            return True
        sit = self._sit
        return chord2(u[0], u[1], u[2], sit[0], sit[1], sit[2]) << 2 < d_up

    def _clearly_upright(self, u):
        """Within a few degrees of the upright cluster, and far from the sitting one."""
        up = self._up
        d_up = chord2(u[0], u[1], u[2], up[0], up[1], up[2])
        if d_up >= _UPRIGHT_CHORD or not self._has_sit:
            return False
        sit = self._sit
        return chord2(u[0], u[1], u[2], sit[0], sit[1], sit[2]) > d_up << 2

    def _lying(self, u):
        up = self._up
        return chord2(u[0], u[1], u[2], up[0], up[1], up[2]) > _LIE_CHORD

    def _classify(self, u, gesture):
        if not self._has_up:
            return STANDING
        up = self._up
        d_up = chord2(u[0], u[1], u[2], up[0], up[1], up[2])
        if d_up > _LIE_CHORD:
            return LYING
        if self._after_lying:
            # Out of bed people sit up first, and from there they stand up to walk away.
            return SITTING
        if self._has_sit:
            sit = self._sit
            d_sit = chord2(u[0], u[1], u[2], sit[0], sit[1], sit[2])
            # Nearest cluster; the movement that led here counts as a factor of two in angle.
            if gesture < 0:
                d_up <<= 2
            elif gesture > 0:
                d_sit <<= 2
            return SITTING if d_sit < d_up else STANDING
        if (gesture < 0 and not self._bout_walked and self._bout_move_s >= _SIT_MOVE_S
                and self._bout_landed):
            # (the shape of a walk's last steps is no sitting-down movement)
            return SITTING if d_up > _SIT_SAT_CHORD else STANDING
        if gesture > 0:
            # the shape of standing up (or of a sit-down seen the wrong way round: 1 in 5)
            return SITTING if d_up > _STOOD_SIT_CHORD else STANDING
        return SITTING if d_up > _SIT_CHORD else STANDING

    def _accept(self, state, u, shift):
        self.state = state
        if state == STANDING:
            if self._has_up:
                _learn(self._up, u, shift)
            else:
                _copy(self._up, u)
                self._has_up = True
        elif state == LYING:
            self._after_lying = True
            self._sat_up_s = 0
        elif self._after_lying:
            self._sat_up_s += 1
        elif state == SITTING and not self._after_lying:
            up = self._up
            if self._has_sit:
                _learn(self._sit, u, shift)
            elif chord2(u[0], u[1], u[2], up[0], up[1], up[2]) > _SIT_CHORD:
                # Only a clear tilt starts the sitting cluster (a pause half-way down or a
                # small tilt told by the sitting-down movement alone might not be the seat).
                _copy(self._sit, u)
                self._has_sit = True


def _absmax(a, b, c):
    if a < 0:
        a = -a
    if b < 0:
        b = -b
    if c < 0:
        c = -c
    if b > a:
        a = b
    return c if c > a else a


def _copy(dst, src):
    dst[0] = src[0]
    dst[1] = src[1]
    dst[2] = src[2]


def _learn(ref, u, shift):
    """Let a posture cluster follow the wearer, but only from postures that clearly belong to
    it: an ambiguous one would drag it towards the other cluster until they merge."""
    if chord2(ref[0], ref[1], ref[2], u[0], u[1], u[2]) < _LEARN_CHORD:
        _blend(ref, u, shift)


def _blend(ref, u, shift):
    """Move the unit vector ``ref`` 1/2**shift of the way to ``u`` and make it unit again."""
    x = ref[0] + ((u[0] - ref[0]) >> shift)
    y = ref[1] + ((u[1] - ref[1]) >> shift)
    z = ref[2] + ((u[2] - ref[2]) >> shift)
    length = isqrt(x * x + y * y + z * z, UNIT)
    if length:
        ref[0] = x * UNIT // length
        ref[1] = y * UNIT // length
        ref[2] = z * UNIT // length
