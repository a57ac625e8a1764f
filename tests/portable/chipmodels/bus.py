"""An I2C bus with MicroPython's ``machine.I2C`` memory methods, routing to chip models.

``scan()`` lists the addresses that answer; a transfer to an address with no chip raises
``OSError(ENODEV)`` as the ESP32 and RP2 ports do when nobody acknowledges.
"""

_ENODEV = 19


class Bus:
    def __init__(self, *chips):
        self.chips = {}
        for chip in chips:
            self.chips[chip.address] = chip
        self.transfers = 0

    def _chip(self, address):
        chip = self.chips.get(address)
        if chip is None:
            raise OSError(_ENODEV)
        self.transfers += 1
        return chip

    def scan(self):
        return sorted(self.chips)

    def readfrom_mem_into(self, address, memaddr, buf):
        self._chip(address).read(memaddr, buf)

    def readfrom_mem(self, address, memaddr, nbytes):
        buf = bytearray(nbytes)
        self._chip(address).read(memaddr, buf)
        return bytes(buf)

    def writeto_mem(self, address, memaddr, buf):
        self._chip(address).write(memaddr, buf)
