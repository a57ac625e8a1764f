"""Register access shared by the accelerometer drivers, over MicroPython's ``machine.I2C``.

Follows the ``machine.I2C`` "memory operations" API (``readfrom_mem``, ``readfrom_mem_into``,
``writeto_mem``): each chip's registers are 8-bit addresses on one I2C address. A one-byte
buffer made once serves every single-register read and write, so none allocates.
"""


def read_id(i2c, address, register):
    """The byte in ``register`` (a WHO_AM_I), or None when nothing answers at ``address``."""
    try:
        return i2c.readfrom_mem(address, register, 1)[0]
    except OSError:
        return None


class Registers:
    """One chip's registers: ``_read(reg)`` and ``_write(reg, value)`` for single bytes."""

    def __init__(self, i2c, address):
        self._i2c = i2c
        self._address = address
        self._reg = bytearray(1)

    def _write(self, reg, value):
        self._reg[0] = value
        self._i2c.writeto_mem(self._address, reg, self._reg)

    def _read(self, reg):
        self._i2c.readfrom_mem_into(self._address, reg, self._reg)
        return self._reg[0]
