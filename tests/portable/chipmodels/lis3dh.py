"""Model of the ST LIS3DH (and LIS2DH12) after its datasheet, DocID17530.

Followed: the register map, WHO_AM_I = 0x33, CTRL_REG1 ODR/LPen,
CTRL_REG4 FS/HR, CTRL_REG5 FIFO_EN, FIFO_CTRL_REG modes and FTH,
FIFO_SRC_REG WTM/OVRN/EMPTY/FSS, CLICK_CFG/CLICK_SRC; output data
left-justified, 8/10/12 bits in low-power/normal/high-resolution mode with the sensitivities
of the mechanical characteristics table; sub-address MSB = auto-increment; with the FIFO on, a burst read rolls
from OUT_Z_H back to OUT_X_L and reading OUT_Z_H pops the sample (AN3308, FIFO section).
The FIFO holds 32 samples; in stream mode the newest overwrites the oldest, in FIFO mode it stops when full.
"""

from .register_chip import RegisterChip, digits

WHO_AM_I = 0x33
_CTRL_REG1 = 0x20
_CTRL_REG3 = 0x22
_CTRL_REG4 = 0x23
_CTRL_REG5 = 0x24
_OUT_X_L = 0x28
_OUT_Z_H = 0x2D
_FIFO_CTRL = 0x2E
_FIFO_SRC = 0x2F
_CLICK_CFG = 0x38
_CLICK_SRC = 0x39
_SENSITIVITY = {8: (16, 32, 64, 192), 10: (4, 8, 16, 48), 12: (1, 2, 4, 12)}


class LIS3DHModel(RegisterChip):
    def __init__(self, address=0x18, who_am_i=WHO_AM_I):
        self.who_am_i = who_am_i
        self.frame = bytearray(6)
        RegisterChip.__init__(self, address, 32, 6)

    def reset(self):
        RegisterChip.reset(self)
        self.regs[0x0F] = self.who_am_i
        self.regs[_CTRL_REG1] = 0x07  # power-down, axes enabled (reset value)

    # Configuration as the chip sees it.
    def odr_code(self):
        return self.regs[_CTRL_REG1] >> 4

    def resolution_bits(self):
        if self.regs[_CTRL_REG1] & 0x08:
            return 8
        return 12 if self.regs[_CTRL_REG4] & 0x08 else 10

    def fs_code(self):
        return (self.regs[_CTRL_REG4] >> 4) & 3

    def fifo_mode(self):
        if not self.regs[_CTRL_REG5] & 0x40:
            return 0
        return self.regs[_FIFO_CTRL] >> 6

    def fth(self):
        return self.regs[_FIFO_CTRL] & 0x1F

    # What the world does to the chip.
    def sample(self, x_mg, y_mg, z_mg):
        """One output-data-rate tick measuring this acceleration; ignored when powered down."""
        if self.odr_code() == 0:
            return
        bits = self.resolution_bits()
        per_digit = _SENSITIVITY[bits][self.fs_code()]
        shift = 16 - bits
        i = 0
        for mg in (x_mg, y_mg, z_mg):
            code = (digits(mg, per_digit, 1, bits) << shift) & 0xFFFF
            self.frame[i] = code & 0xFF
            self.frame[i + 1] = code >> 8
            i += 2
        for i in range(6):
            self.regs[_OUT_X_L + i] = self.frame[i]
        mode = self.fifo_mode()
        if mode:
            self.fifo_push(self.frame, overwrite=(mode != 1))

    def double_click(self):
        """A double click on Z, latched in CLICK_SRC if the click engine wants double clicks."""
        if self.odr_code() and self.regs[_CLICK_CFG] & 0x2A:
            self.regs[_CLICK_SRC] = 0x40 | 0x20 | 0x04

    def fifo_src(self):
        full = self.count == self.depth
        value = self.count & 0x1F if not full else 0x1F
        if self.count > self.fth():
            value |= 0x80
        if full:
            value |= 0x40
        if self.count == 0:
            value |= 0x20
        return value

    def int1(self):
        """Level of the INT1 pin (active high, the default polarity)."""
        cfg = self.regs[_CTRL_REG3]
        src = self.fifo_src()
        return bool((cfg & 0x04 and src & 0x80) or (cfg & 0x02 and src & 0x40)
                    or (cfg & 0x80 and self.regs[_CLICK_SRC] & 0x40))

    # Register access.
    def read_reg(self, reg):
        if reg == 0x0F:
            return self.who_am_i
        if _OUT_X_L <= reg <= _OUT_Z_H and self.fifo_mode():
            value = self.fifo_peek(reg - _OUT_X_L)
            if reg == _OUT_Z_H:
                self.fifo_pop()
            return value
        if reg == _FIFO_SRC:
            return self.fifo_src()
        if reg == _CLICK_SRC:
            value = self.regs[_CLICK_SRC]
            self.regs[_CLICK_SRC] = 0
            return value
        return self.regs[reg]

    def write_reg(self, reg, value):
        if reg in (0x0F, _FIFO_SRC, _CLICK_SRC) or _OUT_X_L <= reg <= _OUT_Z_H:
            return  # read-only
        self.regs[reg] = value
        if reg == _FIFO_CTRL and value >> 6 == 0:
            self.fifo_clear()  # bypass mode: FIFO emptied

    def read(self, memaddr, buf):
        increment = memaddr & 0x80
        reg = memaddr & 0x7F
        for i in range(len(buf)):
            buf[i] = self.read_reg(reg)
            if increment:
                if reg == _OUT_Z_H and self.fifo_mode():
                    reg = _OUT_X_L
                else:
                    reg = (reg + 1) & 0x7F

    def write(self, memaddr, data):
        increment = memaddr & 0x80
        reg = memaddr & 0x7F
        for i in range(len(data)):
            self.write_reg(reg, data[i])
            if increment:
                reg = (reg + 1) & 0x7F
