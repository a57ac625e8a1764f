"""Folders for flash-log tests: a fresh directory on the host filesystem, or (under
MicroPython) on a LittleFS2 filesystem in a RAM block device, as on a board's flash; and
reading back every record of a log (``read_all``)."""

import os

from logic import records
from logic.records import SIZE
from portable import MICROPYTHON

_count = [0]
_base = []


def _rmtree(path):
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        full = path + "/" + name
        if os.stat(full)[0] & 0x4000:
            _rmtree(full)
        else:
            os.remove(full)
    os.rmdir(path)


def fresh_dir(name):
    """An empty folder for one test (under /tmp, one per interpreter and process)."""
    _count[0] += 1
    if not _base:
        tag = "".join("%02x" % b for b in os.urandom(4))
        _base.append("/tmp/unsit-test-%s-%s" % ("mpy" if MICROPYTHON else "cpy", tag))
        os.mkdir(_base[0])
    base = _base[0]
    path = "%s/%s%d" % (base, name, _count[0])
    _rmtree(path)
    os.mkdir(path)
    return path


def remove(path):
    """Delete a folder made by ``fresh_dir`` (and the run's parent once it is empty)."""
    _rmtree(path)
    if _base:
        try:
            os.rmdir(_base[0])
            _base.pop()
        except OSError:
            pass


def read_all(log, seq=0, chunk=7):
    """Every record readable from ``seq`` on, decoded, in chunks like a sync does."""
    out = []
    buf = bytearray(chunk * SIZE)
    while True:
        start, count, nxt = log.read_into(seq, buf)
        for i in range(count):
            out.append(records.unpack(buf, i * SIZE))
        if nxt <= seq and count == 0:
            return out
        if count == 0 and nxt == log.stored_seq:
            return out
        seq = nxt


def fill_up(path):
    """Write the file ``path`` until its file system has no free block left."""
    with open(path, "wb") as f:
        try:
            while True:
                f.write(bytes(256))
                f.flush()
        except OSError:
            pass


class RamBlockDevice:
    """A block device in RAM for ``vfs.VfsLfs2`` (the extended block-device protocol)."""

    def __init__(self, block_size=512, blocks=256, data=None):
        self.block_size = block_size
        self.data = bytearray(block_size * blocks) if data is None else data
        self.journal = None     # a list: every write is also recorded as (start, bytes)

    def readblocks(self, block, buf, offset=0):
        start = block * self.block_size + offset
        buf[:] = self.data[start:start + len(buf)]

    def writeblocks(self, block, buf, offset=None):
        if offset is None:
            offset = 0
        start = block * self.block_size + offset
        self.data[start:start + len(buf)] = buf
        if self.journal is not None:
            self.journal.append((start, bytes(buf)))

    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // self.block_size
        if op == 5:
            return self.block_size
        if op == 6:     # erase
            return 0
        return None


class LittleFs:
    """``with LittleFs("/lfs") as root:`` mounts a fresh LittleFS2 RAM disk (MicroPython)."""

    def __init__(self, mount_point, blocks=256, data=None):
        self.mount_point = mount_point
        self.blocks = blocks
        self.data = data

    def __enter__(self):
        import vfs

        self.device = RamBlockDevice(512, self.blocks, self.data)
        if self.data is None:
            vfs.VfsLfs2.mkfs(self.device)
        vfs.mount(vfs.VfsLfs2(self.device), self.mount_point)
        return self.mount_point

    def __exit__(self, *exc):
        import vfs

        vfs.umount(self.mount_point)
        return False

    def remount(self):
        """Unmount and mount the same block device again (a reboot)."""
        import vfs

        vfs.umount(self.mount_point)
        vfs.mount(vfs.VfsLfs2(self.device), self.mount_point)
