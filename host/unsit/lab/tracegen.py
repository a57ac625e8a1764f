"""Physically plausible accelerometer traces of a belt clip, generated from a day script.

A day script lists what the wearer does, one line each (see docs/tracegen.md)::

    mount front turned 30        # where and how the clip sits on the belt
    sit 55m
    walk 3m cadence 1.9          # steps per second
    stand 2m
    tap                          # a double tap on the clip
    desk 8h face up              # the clip lies on a desk, not worn
    lie 30m side left

The generator models what an accelerometer on the pelvis reads: gravity turned into the clip's
frame by the posture (pelvis pitch and roll) and by the mounting, the body's linear
acceleration (gait with its step and stride harmonics, postural sway, fidgets, the sit-down and
stand-up movements), a per-axis zero-g offset, and white sensor noise at a real chip's noise
density. Its output is a :class:`Trace` (x, y, z in g at ``rate_hz``) that writes the text
format ``unsit analyze`` and ``unsit simulate`` read, or the board's binary samples.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from unsit.errors import InputError
from unsit.lab.trace import BOARD_RATE_HZ, write_trace

# LIS2DH12 datasheet (ST DocID025056), Table 3 "An, acceleration noise density":
# 220 ug/sqrt(Hz) in high-resolution mode. Over the ODR/2 bandwidth that is
# 220e-6 * sqrt(12.5) = 0.78 mg rms per axis at 25 Hz.
NOISE_DENSITY_G_PER_RTHZ = 220e-6
# Same datasheet, Table 3: zero-g level offset accuracy +-40 mg (typical, FS=2g); we draw
# a smaller per-device offset, as after the factory trim most parts land well inside it.
ZERO_G_OFFSET_SD_G = 0.010

POSTURES = ("sit", "stand", "walk", "lie", "desk")
MOUNTS = ("front", "side", "back")
_TRANSITION_S = 2.5


@dataclass
class Wearer:
    """How one person's pelvis sits and moves (drawn per seed, or given in the script)."""

    stand_pitch_deg: float = 2.0     # pelvis pitch when standing (backward positive)
    sit_delta_deg: float = 20.0      # extra backward pitch when sitting (HAPT: 6-44, median ~20)
    cadence_hz: float = 1.8          # steps per second when walking (HAPT: ~1.5-2.0)
    gait_g: float = 0.30             # vertical gait amplitude at the step frequency
    sway_g: float = 0.008            # postural sway when standing (HAPT residual: median 8 mg)
    sit_sway_g: float = 0.0055       # micro-motion when sitting (HAPT residual: median 6 mg)


@dataclass
class Segment:
    """One line of a day script: a posture held for ``seconds`` (or an instant ``tap``)."""

    kind: str
    seconds: float = 0.0
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class DayScript:
    mount: str = "front"
    upside_down: bool = False
    turned_deg: float = 0.0
    seed: int = 1
    wearer: Wearer = field(default_factory=Wearer)
    segments: list[Segment] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.segments)


@dataclass
class Trace:
    """Samples x, y, z in g (an ``(n, 3)`` array) at ``rate_hz``."""

    samples: np.ndarray
    rate_hz: float
    taps_s: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate_hz

    def write_text(self, path: Path | str, comment: str = "") -> None:
        with open(path, "w", encoding="utf-8") as out:
            write_trace(self.samples.tolist(), out,
                        comment or f"unsit tracegen, {self.rate_hz:g} Hz")

    def board_samples(self) -> bytes:
        """What a board delivers: 25 Hz, int16 milli-g, interleaved x y z, little-endian."""
        if self.rate_hz != BOARD_RATE_HZ:
            raise ValueError(f"board samples need a {BOARD_RATE_HZ} Hz trace")
        mg = np.clip(np.rint(self.samples * 1000.0), -32767, 32767).astype("<i2")
        return mg.tobytes()


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


def parse_duration(text: str) -> float:
    """``90s``, ``45m``, ``8h``, ``1h30m`` -> seconds."""
    match = _DURATION.match(text.strip())
    if not match or not any(match.groups()):
        raise ValueError(f"not a duration: {text!r} (try 90s, 45m, 8h or 1h30m)")
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    return h * 3600 + m * 60 + s


def parse_script(text: str, name: str = "script") -> DayScript:
    """A :class:`DayScript` from its text; :class:`InputError` names a bad line."""
    script = DayScript()
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        try:
            _parse_line(script, words)
        except (ValueError, IndexError) as error:
            raise InputError(f"{name}, line {number}: {error}") from None
    return script


# What each posture line may add after its duration: option -> allowed words, or the number
# range for a numeric option.
_OPTIONS: dict[str, dict[str, tuple[str, ...] | tuple[float, float]]] = {
    "sit": {"tilt": (-10.0, 60.0)},
    "stand": {},
    "walk": {"cadence": (0.5, 3.5)},
    "lie": {"side": ("back", "front", "left", "right")},
    "desk": {"face": ("up", "down", "edge")},
}
_WEARER_RANGES = {"stand_pitch_deg": (-20.0, 30.0), "sit_delta_deg": (0.0, 60.0),
                  "cadence_hz": (0.5, 3.5), "gait_g": (0.0, 1.0), "sway_g": (0.0, 0.1),
                  "sit_sway_g": (0.0, 0.1)}
_USAGE = {
    "mount": "mount front|side|back [upside-down] [turned DEG]",
    "seed": "seed N",
    "wearer": "wearer PROPERTY VALUE ...",
    "tap": "tap",
    "sit": "sit DURATION [tilt DEG]",
    "stand": "stand DURATION",
    "walk": "walk DURATION [cadence STEPS-PER-S]",
    "lie": "lie DURATION [side back|front|left|right]",
    "desk": "desk DURATION [face up|down|edge]",
}


def _number(text: str, what: str, lo: float, hi: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {text!r}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be from {lo:g} to {hi:g}, not {text}")
    return value


def _pairs(words: list[str], head: str) -> list[tuple[str, str]]:
    if len(words) % 2:
        raise ValueError(f"{words[-1]!r} needs a value (expected: {_USAGE[head]})")
    return list(zip(words[0::2], words[1::2]))


def _parse_line(script: DayScript, words: list[str]) -> None:
    head = words[0].lower()
    if head == "mount":
        if len(words) < 2 or words[1] not in MOUNTS:
            got = repr(words[1]) if len(words) > 1 else "nothing"
            raise ValueError(f"mount must be one of {', '.join(MOUNTS)}, not {got}")
        script.mount = words[1]
        rest = words[2:]
        while rest:
            if rest[0] == "upside-down":
                script.upside_down = True
                rest = rest[1:]
            elif rest[0] == "turned" and len(rest) > 1:
                script.turned_deg = _number(rest[1], "turned", -360.0, 360.0)
                rest = rest[2:]
            else:
                raise ValueError(f"unexpected {rest[0]!r} (expected: {_USAGE['mount']})")
    elif head == "seed":
        if len(words) != 2:
            raise ValueError(f"expected: {_USAGE['seed']}")
        script.seed = int(_number(words[1], "seed", 0, 2**32 - 1))
        if words[1] != str(script.seed):
            raise ValueError(f"seed must be a whole number, not {words[1]!r}")
    elif head == "wearer":
        if len(words) < 3:
            raise ValueError(f"expected: {_USAGE['wearer']} (properties: "
                             f"{', '.join(_WEARER_RANGES)})")
        for key, value in _pairs(words[1:], head):
            if key not in _WEARER_RANGES:
                raise ValueError(f"unknown wearer property {key!r} (properties: "
                                 f"{', '.join(_WEARER_RANGES)})")
            setattr(script.wearer, key, _number(value, key, *_WEARER_RANGES[key]))
    elif head == "tap":
        if len(words) > 1:
            raise ValueError(f"tap takes nothing after it, got {words[1]!r}")
        script.segments.append(Segment("tap"))
    elif head in POSTURES:
        if len(words) < 2:
            raise ValueError(f"{head} needs a duration (expected: {_USAGE[head]})")
        seconds = parse_duration(words[1])
        if seconds <= 0:
            raise ValueError(f"a {head} must last longer than 0 s")
        options: dict[str, str] = {}
        allowed = _OPTIONS[head]
        for key, value in _pairs(words[2:], head):
            if key not in allowed:
                raise ValueError(f"{head} has no option {key!r} (expected: {_USAGE[head]})")
            spec = allowed[key]
            if isinstance(spec[0], str):
                if value not in spec:
                    raise ValueError(f"{head} {key} must be one of {', '.join(map(str, spec))}"
                                     f", not {value!r}")
            else:
                _number(value, f"{head} {key}", float(spec[0]), float(spec[1]))
            options[key] = value
        script.segments.append(Segment(head, seconds, options))
    else:
        raise ValueError(f"unknown line {words[0]!r} (postures: {', '.join(POSTURES)}, or "
                         "mount, seed, wearer, tap)")


def _rotation(axis: Sequence[float] | np.ndarray, angle_rad: float) -> np.ndarray:
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(angle_rad) * k + (1 - math.cos(angle_rad)) * (k @ k)


def mount_matrix(mount: str, upside_down: bool = False, turned_deg: float = 0.0,
                 jitter: np.ndarray | None = None) -> np.ndarray:
    """Rows are the clip's x, y, z axes in body coordinates (forward, left, up).

    The clip's y axis points up its face and z out of the face, away from the body: on the
    front of the belt z is forward, on the (right) side z points right, on the back z is
    backward. Upside down turns the clip half a turn in its plane; ``turned_deg`` any angle.
    """
    up = np.array([0.0, 0.0, 1.0])
    out = {"front": np.array([1.0, 0.0, 0.0]), "side": np.array([0.0, -1.0, 0.0]),
           "back": np.array([-1.0, 0.0, 0.0])}[mount]
    y, z = up, out
    x = np.cross(y, z)
    m = np.vstack([x, y, z])
    turn = math.radians(turned_deg + (180.0 if upside_down else 0.0))
    in_plane = np.array([[math.cos(turn), math.sin(turn), 0.0],
                         [-math.sin(turn), math.cos(turn), 0.0], [0.0, 0.0, 1.0]])
    m = in_plane @ m
    if jitter is not None:
        m = m @ jitter.T
    return m


def _smooth_noise(rng: np.random.Generator, n: int, rate: float, cutoff_hz: float) -> np.ndarray:
    """Unit-variance noise low-passed at ``cutoff_hz`` (second order, shaped in the spectrum)."""
    if n < 2:
        return np.zeros(n)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    spectrum *= 1.0 / (1.0 + (freqs / cutoff_hz) ** 2)
    out = np.fft.irfft(spectrum, n)
    sd = out.std()
    return out / sd if sd > 0 else out


class _Builder:
    """Fills body-frame gravity direction and linear acceleration, segment by segment."""

    def __init__(self, script: DayScript, rate_hz: float) -> None:
        self.script = script
        self.rate = rate_hz
        self.rng = np.random.default_rng(script.seed)
        n = int(round(script.seconds * rate_hz))
        self.n = n
        self.pitch = np.zeros(n)     # radians, backward positive
        self.roll = np.zeros(n)      # radians, to the left positive
        self.lin = np.zeros((n, 3))  # body frame (forward, left, up), in g
        self.still = np.zeros(n, dtype=bool)  # off the body: no body motion at all
        self.desk_gravity = np.zeros((n, 3))  # gravity in clip frame while on the desk
        self.taps: list[float] = []

    def build(self) -> Trace:
        w = self.script.wearer
        pos = 0
        previous = "stand"
        self.taps = [t for t, seg in segments_table(self.script) if seg.kind == "tap"]
        for seg in self._postures():
            count = int(round(seg.seconds * self.rate))
            end = min(self.n, pos + count)
            self._posture(seg, pos, end, w)
            self._transition(previous, seg.kind, pos, end, w)
            previous = seg.kind
            pos = end
        return self._render()

    def _postures(self) -> list[Segment]:
        """The script's postures, a posture split by taps joined up again (a tap does not make
        the wearer sit down anew)."""
        out: list[Segment] = []
        for seg in self.script.segments:
            if seg.kind == "tap":
                continue
            if out and out[-1].kind == seg.kind and out[-1].options == seg.options:
                out[-1].seconds += seg.seconds
            else:
                out.append(Segment(seg.kind, seg.seconds, dict(seg.options)))
        return out

    def _posture(self, seg: Segment, a: int, b: int, w: Wearer) -> None:
        n = b - a
        if n <= 0:
            return
        rng, rate = self.rng, self.rate
        bout = rng.normal(0.0, 2.0)  # each bout sits or stands a little differently
        if seg.kind == "stand":
            self.pitch[a:b] = math.radians(w.stand_pitch_deg + bout * 0.5)
            self.pitch[a:b] += math.radians(0.8) * _smooth_noise(rng, n, rate, 0.05)
            self._sway(a, b, w.sway_g, 1.5)
        elif seg.kind == "sit":
            tilt = float(seg.options.get("tilt", w.sit_delta_deg))
            self.pitch[a:b] = math.radians(w.stand_pitch_deg + tilt + bout)
            self.roll[a:b] = math.radians(rng.normal(0.0, 2.0))
            self.pitch[a:b] += math.radians(1.0) * _smooth_noise(rng, n, rate, 0.02)
            self._sway(a, b, w.sit_sway_g, 0.8)
            self._fidgets(a, b)
        elif seg.kind == "walk":
            cadence = float(seg.options.get("cadence", w.cadence_hz))
            self.pitch[a:b] = math.radians(w.stand_pitch_deg - 3.0)
            self._gait(a, b, cadence, w.gait_g)
        elif seg.kind == "lie":
            side = seg.options.get("side", "back")
            angle = {"back": (90.0, 0.0), "front": (-90.0, 0.0), "left": (0.0, 90.0),
                     "right": (0.0, -90.0)}.get(side)
            if angle is None:
                raise InputError(f"lie side must be back, front, left or right, not {side!r}")
            self.pitch[a:b] = math.radians(angle[0] + rng.normal(0, 5))
            self.roll[a:b] = math.radians(angle[1] + rng.normal(0, 5))
            self._sway(a, b, w.sit_sway_g * 0.5, 0.3)
        elif seg.kind == "desk":
            face = seg.options.get("face", "up")
            g = {"up": (0.0, 0.0, 1.0), "down": (0.0, 0.0, -1.0), "edge": (0.0, 1.0, 0.0)}.get(face)
            if g is None:
                raise InputError(f"desk face must be up, down or edge, not {face!r}")
            uneven = _rotation(rng.normal(0, 1, 3), math.radians(rng.uniform(0.5, 3.0)))
            self.desk_gravity[a:b] = uneven @ np.array(g)
            self.still[a:b] = True

    def _sway(self, a: int, b: int, amplitude_g: float, cutoff_hz: float) -> None:
        n = b - a
        for axis in range(3):
            self.lin[a:b, axis] += amplitude_g * _smooth_noise(self.rng, n, self.rate, cutoff_hz)

    def _fidgets(self, a: int, b: int) -> None:
        """Shifting on the chair now and then: a 1-3 s movement of ~50 mg every few minutes."""
        rate, rng = self.rate, self.rng
        t = a + int(rng.exponential(180.0) * rate)
        while t < b:
            length = int(rng.uniform(1.0, 3.0) * rate)
            end = min(b, t + length)
            k = np.arange(end - t) / max(1, length)
            shape = np.sin(np.pi * k) * np.sin(2 * np.pi * k * rng.uniform(1, 3))
            self.lin[t:end] += np.outer(shape, rng.normal(0, 0.05, 3))
            self.pitch[t:end] += math.radians(rng.normal(0, 3)) * np.sin(np.pi * k)
            t = end + int(rng.exponential(180.0) * rate)

    def _gait(self, a: int, b: int, cadence: float, amp: float) -> None:
        rng, rate = self.rng, self.rate
        n = b - a
        drift = 1.0 + 0.015 * _smooth_noise(rng, n, rate, 0.02)
        phase = 2 * np.pi * np.cumsum(cadence * drift) / rate + rng.uniform(0, 2 * np.pi)
        # Pelvis acceleration in walking: vertical at the step frequency with a strong second
        # harmonic, fore-aft at the step frequency, side to side at the stride (half step)
        # frequency, as in Zijlstra & Hof 2003 (Gait & Posture 18:1-10).
        self.lin[a:b, 2] += amp * (np.sin(phase) + 0.35 * np.sin(2 * phase + 0.6))
        self.lin[a:b, 0] += 0.5 * amp * (np.sin(phase + 1.2) + 0.3 * np.sin(2 * phase))
        self.lin[a:b, 1] += 0.35 * amp * np.sin(phase / 2 + 0.3)
        self.pitch[a:b] += math.radians(2.0) * np.sin(phase + 0.4)
        self.roll[a:b] += math.radians(3.0) * np.sin(phase / 2)

    def _transition(self, before: str, after: str, a: int, b: int, w: Wearer) -> None:
        """Sit-down / stand-up / lie-down movements overwrite the start of the new posture."""
        if before == after or after == "desk" or before == "desk":
            if before != after and (after == "desk" or before == "desk"):
                self._handling(a, b, onto_desk=after == "desk")
            return
        stretch = 1.6 if "lie" in (before, after) else 1
        length = min(b - a, int(_TRANSITION_S * self.rate * stretch))
        if length <= 2:
            return
        k = np.arange(length) / (length - 1)
        start_pitch = self.pitch[a - 1] if a > 0 else self.pitch[a]
        start_roll = self.roll[a - 1] if a > 0 else self.roll[a]
        end_pitch, end_roll = self.pitch[a + length - 1], self.roll[a + length - 1]
        ease = 0.5 - 0.5 * np.cos(np.pi * k)
        self.pitch[a:a + length] = start_pitch + (end_pitch - start_pitch) * ease
        self.roll[a:a + length] = start_roll + (end_roll - start_roll) * ease
        bump = np.sin(np.pi * k)
        if {before, after} & {"sit"} and not {before, after} & {"lie"}:
            # The trunk and pelvis lean forward to move the body's weight over the feet.
            self.pitch[a:a + length] -= math.radians(25.0) * bump
            down = 1.0 if after == "sit" else -1.0
            # Sitting down: the body first drops (reading below 1 g) and is caught by the chair
            # (above 1 g); standing up is the reverse.
            self.lin[a:a + length, 2] += -down * 0.25 * np.sin(2 * np.pi * k)
            self.lin[a:a + length, 0] += 0.15 * bump
        self.lin[a:a + length] += np.outer(bump, self.rng.normal(0, 0.03, 3))

    def _handling(self, a: int, b: int, onto_desk: bool) -> None:
        """Taking the clip off (or putting it back on): a few seconds of hand movement."""
        length = min(b - a, int(3 * self.rate))
        if length <= 0:
            return
        k = np.arange(length) / max(1, length - 1)
        shape = np.sin(np.pi * k)[:, None]
        noise = np.stack([_smooth_noise(self.rng, length, self.rate, 2.0) for _ in range(3)], 1)
        self.lin[a:a + length] += 0.3 * shape * noise
        self.still[a:a + length] = False
        if onto_desk:
            # until the clip is down it is still at the belt
            self.pitch[a:a + length] = self.pitch[a - 1] if a > 0 else 0.0

    def _render(self) -> Trace:
        s = self.script
        rng, rate = self.rng, self.rate
        jitter = _rotation(rng.normal(0, 1, 3), math.radians(rng.uniform(0, 4)))
        m = mount_matrix(s.mount, s.upside_down, s.turned_deg, jitter)
        gravity = np.stack([np.sin(self.pitch) * np.cos(self.roll), np.sin(self.roll),
                            np.cos(self.pitch) * np.cos(self.roll)], 1)
        body = gravity + self.lin
        clip = body @ m.T
        if self.still.any():
            clip[self.still] = self.desk_gravity[self.still]
        knock = max(1, int(round(0.04 * rate)))  # a knock lasts ~40 ms, then rebounds
        for t in self.taps:
            for offset_s in (0.0, 0.28):  # two knocks a quarter second apart
                j = int(round((t + offset_s) * rate))
                clip[j:min(self.n, j + knock), 2] -= 0.9
                clip[min(self.n, j + knock):min(self.n, j + 2 * knock), 2] += 0.3
        clip += rng.normal(0, ZERO_G_OFFSET_SD_G, 3)
        clip += rng.normal(0, NOISE_DENSITY_G_PER_RTHZ * math.sqrt(rate / 2), clip.shape)
        return Trace(clip, rate, list(self.taps))


def generate(script: DayScript | str, rate_hz: float = BOARD_RATE_HZ) -> Trace:
    """The trace a clip would record over ``script`` (a :class:`DayScript` or its text)."""
    if isinstance(script, str):
        script = parse_script(script)
    if rate_hz < 10:
        raise InputError(f"rate must be at least 10 Hz, not {rate_hz:g}")
    return _Builder(script, rate_hz).build()


def office_day(seed: int = 1) -> str:
    """The demo's day script: an office worker from 8:00 to about 18:00."""
    return "\n".join([
        "# an office worker's day (unsit demo)",
        f"seed {seed}",
        "mount front turned 15",
        "walk 12m cadence 1.85     # the walk to work",
        "stand 3m",
        "sit 47m                   # e-mail, then up for a coffee before the hour",
        "walk 2m",
        "stand 4m",
        "sit 63m                   # a meeting: reminded at 60 min, gets up 3 min later",
        "stand 3m",
        "walk 3m",
        "sit 61m                   # deep work: the reminder comes...",
        "tap                       # ...and a double tap snoozes it",
        "sit 24m",
        "walk 10m cadence 1.9      # lunch",
        "sit 30m",
        "walk 10m cadence 1.9",
        "desk 40m face up          # the clip left on the desk during a video call",
        "sit 95m                   # a long afternoon: ignores the first reminder",
        "stand 5m",
        "walk 5m",
        "sit 40m",
        "stand 10m                 # a chat at a colleague's desk",
        "sit 35m",
        "walk 15m cadence 1.85     # home",
    ])


def segments_table(script: DayScript) -> Iterable[tuple[float, Segment]]:
    """(start second, segment) for each segment, taps included."""
    t = 0.0
    for seg in script.segments:
        yield t, seg
        t += seg.seconds
