"""Test-only stand-in for a board's button, a ``machine.Pin`` input (the unix port has none).

Follows the part of MicroPython's ``machine.Pin`` API the firmware uses for a button
(docs.micropython.org, "class Pin"): ``value()`` is 0 while pressed (active low, as button A
on G37 of the M5StickC Plus2 with its pull-up), ``irq(handler, trigger=Pin.IRQ_FALLING)``
calls ``handler(pin)`` on a press, through ``micropython.schedule`` as a soft IRQ does. The
level is the first character of the file at ``path`` ("0" pressed, anything else released),
written by the test; a task polls it every ``POLL_MS``.
"""

import asyncio
import micropython

IRQ_FALLING = 1
IRQ_RISING = 2
POLL_MS = 20


class FilePin:
    IRQ_FALLING = IRQ_FALLING
    IRQ_RISING = IRQ_RISING

    def __init__(self, path):
        self._path = path
        self._level = self._read()
        self._handler = None
        self._trigger = 0
        self._task = None

    def _read(self):
        try:
            with open(self._path) as f:
                return 0 if f.read(1) == "0" else 1
        except OSError:
            return 1

    def value(self):
        return self._read()

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING):
        self._handler = handler
        self._trigger = trigger
        if self._task is None:
            self._task = asyncio.create_task(self._watch())

    async def _watch(self):
        while True:
            await asyncio.sleep_ms(POLL_MS)
            level = self._read()
            edge = IRQ_FALLING if level < self._level else IRQ_RISING if level > self._level else 0
            self._level = level
            if edge & self._trigger and self._handler is not None:
                micropython.schedule(self._handler, self)
