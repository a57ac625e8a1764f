"""The activity log on flash: append-only segment files of 16-byte records (logic/records.py).

Layout in ``dir_path``:

- ``%08x.seg`` segment files named after the sequence number of their first record. A segment
  holds up to ``segment_records`` records (512 = 8 KiB by default); record ``i`` of segment
  ``base`` has sequence number ``base + i``, so a reader seeks straight to a sequence number.
- ``state0`` / ``state1``: ``gen, boot, acked, dropped, dropped_below, crc32``
  (``<IIIIII``; a 20-byte state without ``dropped_below`` is still read). Written
  alternately; the valid one with the higher ``gen`` wins, so a torn write loses nothing.
- ``logid``: the log's identity, 4 random bytes and their crc32, made when the log is made
  (or first opened by a firmware that keeps one). The host tells a new log (an erased or
  reinstalled clip) from the one it synced before by it (docs/sync.md).

Writes are batched: records wait in a RAM buffer of ``batch`` records and are appended to the
newest segment by ``flush()`` (or when the buffer is full), one ``write`` per segment touched.
Only flushed records are ever read or acknowledged, so a sequence number given to the host
can never be reused after a power cut.

Recovery on open: only the newest segment can have a torn tail. It is scanned; the sequence
continues after its last valid record (and after the acknowledged one, and the segment's
base). If the file does not end exactly after that record (a torn or corrupt tail), the next
records go to a new segment, so the junk is never misread (readers validate every record's
CRC and sequence number anyway) and nothing needs truncating.

Budget: at most ``budget_bytes // segment_bytes`` segments. Starting a new segment when that
many exist deletes the oldest one; its records that had not been acknowledged are added to
``dropped`` (persisted) and logged as an ``events.DROPPED`` event. The count is saved, with
``dropped_below`` (the next segment's base), before the file is removed; a segment below
``dropped_below`` found at open is removed without counting it again. So a power cut at any
point counts a drop exactly once. Acknowledged records stay on flash until their space is
needed, so a host that lost its database can read them again.

A full file system (``OSError`` ENOSPC) drops the oldest segment the same way and writes
again. When nothing is left to drop, ``flush`` raises; appending never raises for it: a full
RAM buffer that cannot be written is discarded, counted in ``dropped`` (their sequence
numbers were never on flash, so they are given again), and ``full`` is set until a flush
succeeds.

Time: records are stamped with ``clock.time()`` (UTC seconds) when the clock is set. Before
that they carry ``boot << 24 | uptime_s`` with the uptime flag (records.uptime_time);
``boot`` counts opens of the log (persisted). When the clock is first seen set after such
records were written in this boot, an ``events.CLOCK_LINK`` record stamped in UTC gives the
uptime of that same moment, so the host can place the boot's earlier records.

Unworn minutes (all 60 s NOT_WORN, no steps) are held as a run and written as one
``records.IDLE`` record when the run ends, reaches IDLE_MAX_MIN minutes, or any event is
logged.
"""

import os
import struct

from . import events, records
from .records import SIZE
from .states import NOT_WORN

try:
    from binascii import crc32
except ImportError:  # pragma: no cover
    from zlib import crc32

from .compat import const

SEGMENT_RECORDS = const(512)
BATCH = const(32)
IDLE_MAX_MIN = const(60)
_TICKS_MASK = const(0x3FFFFFFF)     # ticks_ms() wraps at 2**30 on MicroPython ports
_STATE = "<IIIIII"
_STATE_SIZE = const(24)
_OLD_STATE_SIZE = const(20)
_ENOSPC = const(28)
_ENAMETOOLONG = const(36)   # littlefs's answer when a full file system cannot add a file
_SUFFIX = ".seg"


def _join(directory, name):
    return directory + "/" + name if directory else name


def _no_space(error):
    return error.errno == _ENOSPC or error.errno == _ENAMETOOLONG


def _ensure_dir(path):
    try:
        os.stat(path)
    except OSError:
        os.mkdir(path)


def _log_identity(directory):
    """The 4-byte identity of the log in ``directory``, made (random) if it has none."""
    path = _join(directory, "logid")
    try:
        with open(path, "rb") as f:
            data = f.read()
        if len(data) == 8 and crc32(data[:4]) & 0xFFFFFFFF == struct.unpack("<I", data[4:])[0]:
            return bytes(data[:4])
    except OSError:
        pass
    ident = os.urandom(4)
    with open(path, "wb") as f:
        f.write(ident + struct.pack("<I", crc32(ident) & 0xFFFFFFFF))
    return ident


class FlashLog:
    """Append-only log of records in ``dir_path`` within ``budget_bytes``.

    ``clock`` has ``ticks_ms()`` and ``time()`` (UTC seconds or None). Attributes for sync:
    ``first_seq`` (oldest record kept), ``next_seq`` (the next record's number), ``acked``,
    ``dropped`` (unacknowledged records lost to the budget, ever), ``boot``.
    """

    def __init__(self, dir_path, clock, budget_bytes=1 << 20, segment_records=SEGMENT_RECORDS,
                 batch=BATCH):
        self._dir = dir_path.rstrip("/") if len(dir_path) > 1 else dir_path
        self._clock = clock
        self._seg_records = segment_records
        self._max_segments = budget_bytes // (segment_records * SIZE)
        if self._max_segments < 2:
            raise ValueError("the budget must hold at least two segments")
        self._buf = bytearray(batch * SIZE)
        self._view = memoryview(self._buf)
        self._batch = batch
        self._n = 0
        self._scratch = bytearray(SIZE)
        self._pending_drop = 0
        self._idle_n = 0
        self._idle_t = 0
        self._idle_uptime = False
        self._unlinked = False
        _ensure_dir(self._dir)
        self._gen = 0
        self.boot = 0
        self.acked = 0
        self.dropped = 0
        self.full = False       # the last flush found the file system full, nothing to drop
        self._dropped_below = 0
        self.log_id = _log_identity(self._dir)
        self._load_state()
        self.boot += 1
        self._segments = self._list_segments()
        segments = self._segments
        while len(segments) > 1 and segments[0] < self._dropped_below:
            os.remove(self._path(segments.pop(0)))   # a drop cut short: already counted
        self.next_seq = 1
        self._tail_ok = False
        self._recover()
        try:
            self._save_state_making_room()
        except OSError:
            self.full = True    # the boot count is not kept, the clip still starts
        self._last_ticks = clock.ticks_ms()
        self._up_ms = self._last_ticks & _TICKS_MASK

    # -- sync API ----------------------------------------------------------------------

    @property
    def first_seq(self):
        """The oldest sequence number still on flash (``next_seq`` when the log is empty)."""
        return self._segments[0] if self._segments else self.stored_seq

    @property
    def stored_seq(self):
        """Records below this number are on flash (readable); the rest wait in RAM."""
        return self.next_seq - self._n

    @property
    def kept_records(self):
        """How many records the log always keeps: its budget less the segment it drops."""
        return (self._max_segments - 1) * self._seg_records

    def ack(self, seq):
        """The host has stored every record up to ``seq``; returns the acknowledged level.

        Clamped to what is on flash; never goes down. Persisted.
        """
        limit = self.stored_seq - 1
        if seq > limit:
            seq = limit
        if seq > self.acked:
            self.acked = seq
            self._save_state_making_room()
        return self.acked

    def read_into(self, seq, buf):
        """Copy valid records with sequence numbers from ``seq`` on into ``buf``.

        Returns ``(start, count, next)``: reading began at ``start`` (``seq``, or the oldest
        record kept if that is later), ``count`` records (``len(buf) // 16`` at most) are in
        ``buf``, each with its own sequence number (corrupt ones are skipped), and ``next``
        is where to continue (``stored_seq`` when everything was read).
        """
        room = len(buf) // SIZE
        end = self.stored_seq
        segments = self._segments
        if seq < self.first_seq:
            seq = self.first_seq
        start = seq
        if seq >= end:
            return start, 0, end
        count = 0
        view = memoryview(buf)
        while count < room and seq < end:
            i = len(segments) - 1
            while segments[i] > seq:
                i -= 1
            base = segments[i]
            seg_end = segments[i + 1] if i + 1 < len(segments) else end
            with open(self._path(base), "rb") as f:
                f.seek((seq - base) * SIZE)
                while count < room and seq < seg_end:
                    slot = view[count * SIZE:(count + 1) * SIZE]
                    if f.readinto(slot) != SIZE:
                        seq = seg_end
                        break
                    if records.is_valid(slot) and records.seq_of(slot) == seq:
                        count += 1
                    seq += 1
        return start, count, seq

    # -- appending ---------------------------------------------------------------------

    def append_minute(self, counts, steps, ago_s=0):
        """Log one minute: ``counts`` = seconds in each state code (5 ints), ``steps``.

        ``ago_s``: the minute ended that many seconds ago (the app holds minutes back).
        """
        covered = counts[0] + counts[1] + counts[2] + counts[3] + counts[4]
        t, uptime = self._stamp()
        if uptime and (t & records.UPTIME_MAX) < covered + ago_s:
            t -= t & records.UPTIME_MAX     # the minute began before boot? start at 0
        else:
            t -= covered + ago_s
        if counts[NOT_WORN] == 60 and covered == 60 and steps == 0:
            if (self._idle_n and self._idle_uptime == uptime and self._idle_n < IDLE_MAX_MIN
                    and -30 <= t - (self._idle_t + 60 * self._idle_n) <= 30):
                self._idle_n += 1
                return
            self._close_idle()
            self._idle_t = t
            self._idle_uptime = uptime
            self._idle_n = 1
            return
        self._close_idle()
        offset = self._slot()
        records.pack_minute_into(self._buf, offset, self.next_seq, t, uptime, counts, steps)
        self._commit()

    def append_event(self, kind, a=0, b=0):
        """Log an event (``logic/events.py``) stamped now."""
        self._close_idle()
        t, uptime = self._stamp()
        self._put_event(kind, t, uptime, a, b)

    def flush(self):
        """Write the buffered records to flash. An open unworn run stays open."""
        i = 0
        while True:
            if i == self._n:
                self._n = 0
                i = 0
                if not self._pending_drop:
                    return
                lost = self._pending_drop
                self._pending_drop = 0
                t, uptime = self._stamp()
                self._put_event(events.DROPPED, t, uptime, lost, lost >> 16)
            seq = self.next_seq - self._n + i
            k = self._n - i
            try:
                if not self._tail_ok or seq - self._segments[-1] >= self._seg_records:
                    self._start_segment(seq)
                room = self._seg_records - (seq - self._segments[-1])
                if k > room:
                    k = room
                with open(self._path(self._segments[-1]), "ab") as f:
                    f.write(self._view[i * SIZE:(i + k) * SIZE])
            except OSError as error:
                # Keep the records in RAM; they go to a fresh segment, now or at a later flush.
                self._shift(i)
                self._tail_ok = False
                if _no_space(error) and len(self._segments) > 1:
                    self._drop_oldest()
                    i = 0
                    continue
                if _no_space(error):
                    self.full = True
                raise
            i += k
            self.full = False

    def close(self):
        """End an open unworn run and flush everything (before a planned power-down)."""
        self._close_idle()
        self.flush()

    def uptime_s(self):
        self._tick()
        return self._up_ms // 1000

    # -- internals ---------------------------------------------------------------------

    def _path(self, base):
        return _join(self._dir, "%08x%s" % (base, _SUFFIX))

    def _tick(self):
        now = self._clock.ticks_ms()
        self._up_ms += (now - self._last_ticks) & _TICKS_MASK
        self._last_ticks = now

    def _stamp(self):
        """``(t, uptime_flag)`` for a record made now; writes the CLOCK_LINK when due."""
        self._tick()
        utc = self._clock.time()
        up_s = self._up_ms // 1000
        if utc is None:
            self._unlinked = True
            return records.uptime_time(self.boot, up_s), True
        utc = int(utc)
        if self._unlinked:
            self._unlinked = False
            a, b = records.clock_link_values(self.boot, up_s)
            self._put_event(events.CLOCK_LINK, utc, False, a, b)
        return utc, False

    def _put_event(self, kind, t, uptime, a, b):
        offset = self._slot()
        records.pack_event_into(self._buf, offset, self.next_seq, t, uptime, kind, a, b)
        self._commit()

    def _close_idle(self):
        if self._idle_n:
            n = self._idle_n
            self._idle_n = 0
            self._put_event(records.IDLE, self._idle_t, self._idle_uptime, n, 0)

    def _slot(self):
        if self._n == self._batch:
            try:
                self.flush()
            except OSError:
                # Nothing could be written: lose the oldest batch, counted, rather than stop.
                lost = self._n
                self.next_seq -= lost
                self._n = 0
                self._count_drop(lost)
                try:
                    self._save_state()
                except OSError:
                    pass
        return self._n * SIZE

    def _count_drop(self, lost):
        """``lost`` unacknowledged records go: counted, and logged as DROPPED later."""
        self.dropped += lost
        self._pending_drop += lost

    def _commit(self):
        self._n += 1
        self.next_seq += 1

    def _shift(self, i):
        if i:
            self._buf[0:(self._n - i) * SIZE] = self._buf[i * SIZE:self._n * SIZE]
            self._n -= i

    def _start_segment(self, base):
        segments = self._segments
        while len(segments) >= self._max_segments:
            self._drop_oldest()
        with open(self._path(base), "wb"):
            pass        # creates the file, or empties a newest segment that held only junk
        if not segments or segments[-1] != base:
            segments.append(base)
        self._tail_ok = True

    def _drop_oldest(self):
        segments = self._segments
        base = segments[0]
        end = segments[1] if len(segments) > 1 else self.stored_seq
        first_unacked = self.acked + 1
        lost = end - (base if base > first_unacked else first_unacked)
        path = self._path(base)
        if lost > 0:
            self._count_drop(lost)
            self._dropped_below = end
            try:
                self._save_state()      # counted before the records go
            except OSError as error:
                if not _no_space(error):
                    raise
                os.remove(path)         # no room even for the state: make some, then save
                segments.pop(0)
                self._save_state()
                return
        os.remove(path)
        segments.pop(0)

    def _list_segments(self):
        bases = []
        for name in os.listdir(self._dir):
            if len(name) == 8 + len(_SUFFIX) and name.endswith(_SUFFIX):
                try:
                    bases.append(int(name[:8], 16))
                except ValueError:
                    pass
        bases.sort()
        return bases

    def _recover(self):
        floor = self.acked + 1
        if floor < self._dropped_below:
            floor = self._dropped_below
        if not self._segments:
            self.next_seq = floor
            self._tail_ok = False
            return
        base = self._segments[-1]
        path = self._path(base)
        size = os.stat(path)[6]
        last = base - 1
        scratch = self._scratch
        with open(path, "rb") as f:
            for i in range(size // SIZE):
                if f.readinto(scratch) != SIZE:
                    break
                if records.is_valid(scratch) and records.seq_of(scratch) == base + i:
                    last = base + i
        next_seq = last + 1
        self._tail_ok = size == (next_seq - base) * SIZE
        if next_seq < floor:
            next_seq = floor
            self._tail_ok = False
        self.next_seq = next_seq

    def _load_state(self):
        best = None
        for slot in (0, 1):
            try:
                with open(_join(self._dir, "state%d" % slot), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            n = len(data) - 4       # the CRC follows the fields
            if n not in (_OLD_STATE_SIZE - 4, _STATE_SIZE - 4):
                continue
            # an old state has no dropped_below: 0 there, before the CRC
            values = struct.unpack(_STATE, data[:16] + bytes(_STATE_SIZE - 4 - n) + data[16:])
            if crc32(data[:n]) & 0xFFFFFFFF != values[5]:
                continue
            if best is None or values[0] > best[0]:
                best = values
        if best is not None:
            self._gen, self.boot, self.acked, self.dropped = best[0], best[1], best[2], best[3]
            self._dropped_below = best[4]

    def _save_state_making_room(self):
        while True:
            try:
                self._save_state()
                return
            except OSError as error:
                if not _no_space(error) or len(self._segments) < 2:
                    raise
                self._drop_oldest()

    def _save_state(self):
        self._gen += 1
        data = bytearray(_STATE_SIZE)
        struct.pack_into("<IIIII", data, 0, self._gen, self.boot, self.acked,
                         self.dropped & 0xFFFFFFFF, self._dropped_below)
        struct.pack_into("<I", data, 20, crc32(data[:20]) & 0xFFFFFFFF)
        with open(_join(self._dir, "state%d" % (self._gen & 1)), "wb") as f:
            f.write(data)
