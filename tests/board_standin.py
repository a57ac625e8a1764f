"""A MicroPython board on a serial port, for testing ``unsit device install`` without hardware.

The most real stand-in available here: the ``micropython`` unix port (the same VM as the
boards, 1.29) running its own REPL, which speaks the raw-REPL protocol mpremote uses (Ctrl-A,
Ctrl-B, Ctrl-C, Ctrl-D, raw paste). Before the REPL starts, the host's filesystem is unmounted
and a fresh LittleFS2 on a RAM block device of the chosen size is mounted at ``/``, so the
"board" sees exactly what a board sees (an empty flash, absolute paths, ENOSPC when full).
Its console is one end of a pty pair; a relay thread joins it to a second pty, whose path is
the "serial port" given to pyserial/mpremote (a pty end can be opened by one side only).

What it does not model: USB re-enumeration, DTR/RTS resets, baud rates, boot.py/main.py at
power-on (the unix port has no soft reboot: Ctrl-D in the raw REPL ends the process, so the
installer must not soft-reset it).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import threading
import tty
from pathlib import Path

from unsit.lab.micropython_runner import micropython_command, micropython_env

_SETUP = """\
import os, sys, vfs
class _RAMBlockDev:
    def __init__(self, block_size, num_blocks):
        self.block_size = block_size
        self.data = bytearray(block_size * num_blocks)
    def readblocks(self, n, buf, offset=0):
        a = n * self.block_size + offset
        buf[:] = self.data[a:a + len(buf)]
    def writeblocks(self, n, buf, offset=None):
        if offset is None:
            offset = 0
        a = n * self.block_size + offset
        self.data[a:a + len(buf)] = buf
    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // self.block_size
        if op == 5:
            return self.block_size
        if op == 6:
            return 0
_bdev = _RAMBlockDev(512, {blocks})
vfs.VfsLfs2.mkfs(_bdev)
vfs.umount('/')
vfs.mount(vfs.VfsLfs2(_bdev), '/')
os.chdir('/')
sys.path[:] = ['', '/lib', '.frozen']
del _bdev
"""


class BoardStandIn:
    """``with BoardStandIn(flash_kb=256) as board: ... board.port ...``"""

    def __init__(self, tmp: Path, flash_kb: int = 256, micropython: bool = True) -> None:
        self.tmp = tmp
        self.flash_kb = flash_kb
        self.micropython = micropython
        self.port = ""
        self._stop = threading.Event()

    def __enter__(self) -> "BoardStandIn":
        setup = self.tmp / "standin_setup.py"
        setup.write_text(_SETUP.format(blocks=self.flash_kb * 2))
        board_master, board_slave = pty.openpty()
        host_master, host_slave = pty.openpty()
        tty.setraw(board_slave)
        tty.setraw(host_slave)
        if self.micropython:
            argv = micropython_command(["-i", str(setup)], heapsize="4M")
        else:  # a board with something else on its console (no MicroPython)
            argv = ["sh", "-c", "while true; do echo 'garbage console'; sleep 0.2; done"]
        self.process = subprocess.Popen(
            argv, stdin=board_slave, stdout=board_slave, stderr=board_slave,
            env=micropython_env([]), cwd=self.tmp, close_fds=True,
        )
        os.close(board_slave)
        self._fds = (board_master, host_master, host_slave)
        self.port = os.ttyname(host_slave)
        self._thread = threading.Thread(target=self._relay, daemon=True)
        self._thread.start()
        return self

    def _relay(self) -> None:
        board, host, _ = self._fds
        while not self._stop.is_set():
            ready, _, _ = select.select([board, host], [], [], 0.05)
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    return
                os.write(host if fd == board else board, data)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.process.kill()
        self.process.wait()
        self._thread.join(timeout=2)
        for fd in self._fds:
            os.close(fd)
