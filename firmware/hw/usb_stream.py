"""The protocol's byte stream over the board's USB serial (the REPL's own port).

API: MicroPython ``sys.stdin.buffer`` / ``sys.stdout.buffer`` and ``io.IOBase`` (a Python
stream whose ``ioctl`` answers ``select.poll``). Reads come from stdin, writes go to stdout,
and polling for input is forwarded to stdin, so ``app.service`` can poll it like a tty.
Ctrl-C from mpremote still interrupts the app (the protocol's frames never contain 0x03).
"""

import io
import select
import sys

_MP_STREAM_POLL = 3


class UsbStream(io.IOBase):
    def __init__(self):
        self._in = sys.stdin.buffer
        self._out = sys.stdout.buffer
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)

    def read(self, n=-1):
        return self._in.read(n)

    def readinto(self, buf):
        return self._in.readinto(buf)

    def write(self, data):
        return self._out.write(data)

    def ioctl(self, request, arg):
        if request != _MP_STREAM_POLL:
            return 0
        ready = arg & select.POLLOUT
        if arg & select.POLLIN and self._poll.poll(0):
            ready |= select.POLLIN
        return ready
