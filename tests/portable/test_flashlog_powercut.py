"""Power cuts on a board's file system: the flash log and the state files on a real LittleFS2
(``vfs.VfsLfs2``) over a RAM block device, cut at every block program and erase.

One run per cut point: the same operation runs from the same flash image, and the flash as it
was just before program/erase number ``cut`` (or with that program half done) is mounted again
as the next boot finds it. After every cut the log mounts, every record on flash is valid and
in sequence with no gap, nothing acknowledged comes back unacknowledged beyond the previous
acknowledgement, and unacknowledged records that are gone are counted in ``dropped``.
MicroPython only (CPython has no LittleFS).
"""

import logfs
from logfs import read_all
from logic import events
from logic.flashlog import FlashLog
from logic.records import SIZE
from portable import MICROPYTHON, skip

MICROPYTHON_TIMEOUT = 600

T0 = 1767225600
SAT = (0, 50, 6, 4, 0)
BLOCKS = 48
MOUNT = "/cut"


class Clock:
    def __init__(self, utc=T0):
        self.ms = 0
        self.utc = utc

    def ticks_ms(self):
        return self.ms & 0x3FFFFFFF

    def time(self):
        return self.utc

    def advance(self, seconds):
        self.ms += seconds * 1000
        self.utc += seconds


class CutDevice(logfs.RamBlockDevice):
    """A RAM block device that photographs the flash as a power cut at op ``cut`` leaves it.

    Ops are block programs (``writeblocks``) and erases (``ioctl`` 6, which sets the block
    to 0xFF as NOR flash does). ``image`` is the flash just before op ``cut``, or with that
    program half done when ``torn``; ``ops`` counts the ops seen since ``arm``.
    """

    def __init__(self, data):
        super().__init__(512, len(data) // 512, data)
        self.cut = -1
        self.torn = False
        self.ops = 0
        self.image = None

    def arm(self, cut, torn):
        self.cut = cut
        self.torn = torn
        self.ops = 0
        self.image = None

    def _op(self):
        if self.ops == self.cut:
            self.image = bytearray(self.data)
        self.ops += 1

    def writeblocks(self, block, buf, offset=None):
        if self.ops == self.cut and self.torn:
            start = block * self.block_size + (offset or 0)
            half = len(buf) // 2
            self.image = bytearray(self.data)
            self.image[start:start + half] = buf[:half]
            self.ops += 1
        else:
            self._op()
        super().writeblocks(block, buf, offset)

    def ioctl(self, op, arg):
        if op == 6:
            if self.ops == self.cut and self.torn:
                self.image = bytearray(self.data)   # an erase cut short: left as it was
                self.ops += 1
            else:
                self._op()
            start = arg * self.block_size
            self.data[start:start + self.block_size] = b"\xff" * self.block_size
            return 0
        return super().ioctl(op, arg)


def _mount(device):
    import vfs

    vfs.mount(vfs.VfsLfs2(device), MOUNT)


def _umount():
    import vfs

    vfs.umount(MOUNT)


def _fresh_image(prepare):
    """A formatted flash image after ``prepare(root)`` ran on it."""
    import vfs

    device = CutDevice(bytearray(BLOCKS * 512))
    vfs.VfsLfs2.mkfs(device)
    _mount(device)
    try:
        prepare(MOUNT)
    finally:
        _umount()
    return device.data


def every_cut(image, act, check):
    """Run ``act(root)`` from ``image`` once per cut point; ``check(root, before)`` on each
    image a cut leaves (mounted); ``before`` is what ``act`` returned on that run. Returns
    the number of images checked."""
    checked = 0
    cut = 0
    while True:
        for torn in (False, True):
            device = CutDevice(bytearray(image))
            _mount(device)
            device.arm(cut, torn)
            try:
                before = act(MOUNT)
            finally:
                _umount()
            if device.image is None:    # the operation ended before op ``cut``: it completed
                _mount(device)
                try:
                    check(MOUNT, before)
                finally:
                    _umount()
                return checked + 1
            _mount(CutDevice(device.image))
            try:
                check(MOUNT, before)
            finally:
                _umount()
            checked += 1
        cut += 1


def _log(root, clock=None, **kw):
    return FlashLog(root + "/log", clock or Clock(), segment_records=kw.get("seg", 8),
                    budget_bytes=kw.get("budget", 1 << 20), batch=kw.get("batch", 16))


def _minutes(log, clock, n):
    for _ in range(n):
        clock.advance(60)
        log.append_minute(SAT, 3)


def _check_log(root, acked_floor, dropped_floor, seg=8, budget=1 << 20):
    """The log after a cut mounts, is in sequence without gaps, and carries on.

    Returns ``(dropped, acked, seqs on flash)`` as the boot found them."""
    again = _log(root, Clock(T0 + 10 ** 6), seg=seg, budget=budget)
    found = (again.dropped, again.acked)
    got = [r[0] for r in read_all(again)]
    assert got == list(range(again.first_seq, again.first_seq + len(got))), got
    assert again.next_seq == again.first_seq + len(got)
    assert again.acked >= acked_floor and again.dropped >= dropped_floor
    again.append_event(events.BOOT, events.RESET_POWER_ON, 1)
    again.flush()
    assert [r[0] for r in read_all(again)][-1] == again.next_seq - 1
    return found[0], found[1], got


def _requires_littlefs():
    if not MICROPYTHON:
        skip("LittleFS2 on a RAM block device exists only under MicroPython")


def test_cut_during_appends_and_flush():
    _requires_littlefs()

    def prepare(root):
        clock = Clock()
        log = _log(root, clock)
        _minutes(log, clock, 10)
        log.flush()
        log.ack(4)

    def act(root):
        clock = Clock(T0 + 1000)
        log = _log(root, clock)
        _minutes(log, clock, 20)     # the 16th fills the RAM batch: a flush on its own
        log.flush()
        return log.next_seq

    def check(root, end):
        dropped, _, got = _check_log(root, 4, 0)
        assert got[0] == 1 and 10 <= len(got) <= end - 1
        assert dropped == 0

    assert every_cut(_fresh_image(prepare), act, check) > 10


def test_cut_during_a_drop_of_the_oldest_segment_always_counts_it():
    _requires_littlefs()
    budget = 3 * 8 * SIZE       # three segments of 8 records

    def prepare(root):
        clock = Clock()
        log = _log(root, clock, budget=budget)
        _minutes(log, clock, 24)    # segments 1, 9, 17: the budget is full
        log.flush()
        log.ack(3)                  # records 4..8 of segment 1 are not acknowledged

    def act(root):
        clock = Clock(T0 + 5000)
        log = _log(root, clock, budget=budget)
        _minutes(log, clock, 1)     # record 25 starts segment 25: segment 1 goes
        log.flush()
        assert log.dropped == 5 and log.first_seq == 9
        return 0

    outcomes = {}

    def check(root, _):
        dropped, _, got = _check_log(root, 3, 0, budget=budget)
        on_flash = [s for s in range(4, 9) if s in got]
        # every unacknowledged record of segment 1 is either still on flash or counted
        assert dropped == 5 - len(on_flash), (dropped, got)
        assert on_flash in ([], [4, 5, 6, 7, 8])
        outcomes[dropped] = True

    assert every_cut(_fresh_image(prepare), act, check) > 4
    assert outcomes == {0: True, 5: True}    # cuts before the drop, and after it


def test_cut_during_an_ack_keeps_the_old_or_the_new_level():
    _requires_littlefs()

    def prepare(root):
        clock = Clock()
        log = _log(root, clock)
        _minutes(log, clock, 12)
        log.flush()
        log.ack(5)

    def act(root):
        log = _log(root, Clock(T0 + 5000))
        log.ack(11)
        return 0

    levels = {}

    def check(root, _):
        _, acked, got = _check_log(root, 5, 0)
        assert got[:12] == list(range(1, 13))
        assert acked in (5, 11)
        levels[acked] = True

    assert every_cut(_fresh_image(prepare), act, check) > 2
    assert 11 in levels


def test_cut_while_saving_a_state_file_leaves_the_old_or_the_new_copy():
    _requires_littlefs()
    from app.persist import replace

    old = bytes(range(38))
    new = bytes(range(100, 138))

    def write(root, data):
        with open(root + "/coach.bin.new", "wb") as f:
            f.write(data)
        replace(root + "/coach.bin.new", root + "/coach.bin")

    def act(root):
        write(root, new)
        return 0

    seen = {}

    def check(root, _):
        with open(root + "/coach.bin", "rb") as f:
            data = f.read()
        assert data in (old, new)
        seen[data == new] = True

    assert every_cut(_fresh_image(lambda root: write(root, old)), act, check) > 2
    assert seen == {False: True, True: True}


def _small_flash():
    """A 12 KiB LittleFS in RAM, formatted and mounted at /full (unmount it when done)."""
    import vfs

    device = logfs.RamBlockDevice(512, 24)
    vfs.VfsLfs2.mkfs(device)
    vfs.mount(vfs.VfsLfs2(device), "/full")
    return device


def test_a_full_file_system_drops_the_oldest_counted_and_keeps_logging():
    _requires_littlefs()

    import vfs

    device = _small_flash()
    try:
        clock = Clock()
        # a budget far above the 12 KiB flash: the file system fills before the budget does
        log = FlashLog("/full/log", clock, segment_records=32, budget_bytes=1 << 20)
        _minutes(log, clock, 2000)
        log.flush()
        assert log.dropped > 0 and not log.full
        got = [r[0] for r in read_all(log)]
        assert got == list(range(log.first_seq, log.stored_seq))
        assert log.dropped == log.first_seq - 1    # nothing was acknowledged: all counted
        assert events.DROPPED in [r[1] for r in read_all(log)]
        log.ack(log.stored_seq - 1)
        vfs.umount("/full")
        vfs.mount(vfs.VfsLfs2(device), "/full")
        again = FlashLog("/full/log", Clock(T0 + 10 ** 6), segment_records=32,
                         budget_bytes=1 << 20)
        assert again.dropped == log.dropped and again.acked == log.acked
    finally:
        vfs.umount("/full")


def test_a_file_system_full_of_other_files_never_stops_appending():
    _requires_littlefs()
    import os

    import vfs

    _small_flash()
    try:
        clock = Clock()
        log = FlashLog("/full/log", clock, segment_records=32, budget_bytes=1 << 20)
        logfs.fill_up("/full/junk")     # another file takes every free block
        _minutes(log, clock, 200)       # nothing of the log's own to drop: batches are lost
        assert log.dropped > 0
        os.remove("/full/junk")
        log.flush()
        assert not log.full
        got = read_all(log)
        assert [r[0] for r in got] == list(range(log.first_seq, log.stored_seq))
        assert events.DROPPED in [r[1] for r in got]
        assert log.dropped + len(got) >= 200
    finally:
        vfs.umount("/full")
