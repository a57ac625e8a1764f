"""Register access shared by the accelerometer drivers, over MicroPython's ``machine.I2C``.

Follows the ``machine.I2C`` "memory operations" API (``readfrom_mem``, ``readfrom_mem_into``,
``writeto_mem``): each chip's registers are 8-bit addresses on one I2C address. A one-byte
buffer made once serves every single-register read and write, and the FIFO is drained into
buffers made once too, so no read allocates.
"""


def read_id(i2c, address, register):
    """The byte in ``register`` (a WHO_AM_I), or None when nothing answers at ``address``."""
    try:
        return i2c.readfrom_mem(address, register, 1)[0]
    except OSError:
        return None


class Registers:
    """One chip's registers: ``_read(reg)`` and ``_write(reg, value)`` for single bytes, and
    ``_drain`` for its FIFO (after ``_fifo_buffers``)."""

    def __init__(self, i2c, address):
        self._i2c = i2c
        self._address = address
        self._reg = bytearray(1)

    def _fifo_buffers(self, frame, watermark):
        """Buffers for ``_drain``: FIFO frames of ``frame`` bytes, read ``watermark`` at once."""
        self._block = bytearray(frame * watermark)
        self._one = bytearray(frame)
        self._frames = watermark

    def _write(self, reg, value):
        self._reg[0] = value
        self._i2c.writeto_mem(self._address, reg, self._reg)

    def _read(self, reg):
        self._i2c.readfrom_mem_into(self._address, reg, self._reg)
        return self._reg[0]

    def _drain(self, register, frames, buf):
        """Read ``frames`` FIFO frames from ``register`` into ``buf`` as milli-g; the samples.

        Whole blocks in one burst, the rest frame by frame; the driver's
        ``_convert(raw, count, buf, at)`` writes the samples of ``count`` frames from ``at``
        and returns where the next go (a frame may hold no accelerometer sample).
        """
        done = 0
        written = 0
        block = self._frames
        while done < frames:
            if frames - done >= block:
                raw, count = self._block, block
            else:
                raw, count = self._one, 1
            self._i2c.readfrom_mem_into(self._address, register, raw)
            written = self._convert(raw, count, buf, written)
            done += count
        return written // 3
