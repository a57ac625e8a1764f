"""Model of the ST LSM6DS3 (0x69), LSM6DS3TR-C (0x6A) and LSM6DSO (0x6C) accelerometer part.

Followed (their ST datasheets): WHO_AM_I 0x0F; CTRL1_XL ODR_XL bits 7:4
(0 = power-down) and FS_XL bits 3:2 with 0.061/0.488/0.122/0.244 mg/LSB for codes 00/01/10/11;
CTRL3_C reset value 0x04 (IF_INC) and SW_RESET; little-endian output. LSM6DS3/TR-C FIFO: only
with FIFO_CTRL3.DEC_FIFO_XL = 001, FIFO_CTRL5 ODR_FIFO != 0 and a mode (1 = FIFO, stop when
full; 6 = continuous, overwrite), threshold FTH in FIFO_CTRL1-2 counted in 16-bit words,
FIFO_STATUS1-2 = DIFF_FIFO words, WaterM (bit 7, words >= FTH), OVER_RUN (6), FULL (5), EMPTY
(4); output words at 0x3E-0x3F, the burst rolling back to 0x3E. LSM6DSO FIFO: FIFO_CTRL1-2
watermark in words, FIFO_CTRL3 BDR_XL != 0, FIFO_CTRL4 mode, status WTM_IA (7), OVR_IA (6),
FULL_IA (5), DIFF_FIFO bits 9:0; each word a tag byte (sensor 0x02 = accelerometer) and six
data bytes at 0x78-0x7E, the burst rolling back to 0x78. TAP_SRC 0x1C: TAP_IA (6), DOUBLE_TAP
(4), cleared by reading. INT1 routes the FIFO threshold (INT1_CTRL bit 3) and double tap
(MD1_CFG bit 3).
"""

from .register_chip import RegisterChip, digits

LSM6DS3_ID = 0x69
LSM6DS3TRC_ID = 0x6A
LSM6DSO_ID = 0x6C
_CTRL1_XL = 0x10
_CTRL3_C = 0x12
_TAP_SRC = 0x1C
_STATUS1 = 0x3A
_STATUS2 = 0x3B
_PER_LSB_X1000 = (61, 488, 122, 244)
# FIFO depth in samples: 8 KB (4096 words / 3), 4 KB (2048 / 3), 3 KB (9-byte slots)
_DEPTH = {LSM6DS3_ID: 1365, LSM6DS3TRC_ID: 682, LSM6DSO_ID: 341}


class LSM6DSModel(RegisterChip):
    def __init__(self, address=0x6A, who_am_i=LSM6DS3TRC_ID):
        self.who_am_i = who_am_i
        self.tagged = who_am_i == LSM6DSO_ID
        frame = 7 if self.tagged else 6
        self.frame = bytearray(frame)
        RegisterChip.__init__(self, address, _DEPTH.get(who_am_i, 341), frame)

    def reset(self):
        RegisterChip.reset(self)
        self.regs[_CTRL3_C] = 0x04

    def odr_code(self):
        return self.regs[_CTRL1_XL] >> 4

    def fifo_mode(self):
        """0 (bypass), 1 (FIFO) or 6 (continuous): the mode only if the accelerometer batches."""
        if self.tagged:
            if not self.regs[0x09] & 0x0F:
                return 0
            return self.regs[0x0A] & 7
        if (self.regs[0x08] & 7) != 1 or not (self.regs[0x0A] >> 3) & 0x0F:
            return 0
        return self.regs[0x0A] & 7

    def threshold_words(self):
        if self.tagged:
            return ((self.regs[0x08] & 1) << 8) | self.regs[0x07]
        return ((self.regs[0x07] & 0x0F) << 8) | self.regs[0x06]

    def words(self):
        if self.tagged:
            return self.count
        return self.count * 3 - self.offset // 2

    def sample(self, x_mg, y_mg, z_mg):
        if self.odr_code() == 0:
            return
        per_lsb = _PER_LSB_X1000[(self.regs[_CTRL1_XL] >> 2) & 3]
        i = 1 if self.tagged else 0
        if self.tagged:
            self.frame[0] = 0x02 << 3
        for mg in (x_mg, y_mg, z_mg):
            code = digits(mg, per_lsb, 1000, 16) & 0xFFFF
            self.frame[i] = code & 0xFF
            self.frame[i + 1] = code >> 8
            i += 2
        mode = self.fifo_mode()
        if mode in (1, 6):
            self.fifo_push(self.frame, overwrite=mode == 6)

    def double_tap(self):
        if self.odr_code() and self.regs[0x5B] & 0x80:
            self.regs[_TAP_SRC] = 0x40 | 0x10 | 0x01

    def status2(self):
        words = self.words()
        th = self.threshold_words()
        value = 0
        if th and words >= th:
            value |= 0x80
        if self.overrun:
            value |= 0x40
        if self.count == self.depth:
            value |= 0x20
        if self.tagged:
            return value | ((words >> 8) & 0x03)
        if words == 0:
            value |= 0x10
        return value | ((words >> 8) & 0x0F)

    def int1(self):
        return bool((self.regs[0x0D] & 0x08 and self.status2() & 0x80)
                    or (self.regs[0x5E] & 0x08 and self.regs[_TAP_SRC] & 0x10))

    def read_reg(self, reg):
        if reg == 0x0F:
            return self.who_am_i
        if reg == _STATUS1:
            return self.words() & 0xFF
        if reg == _STATUS2:
            value = self.status2()
            self.overrun = False
            return value
        if reg == _TAP_SRC:
            value = self.regs[_TAP_SRC]
            self.regs[_TAP_SRC] = 0
            return value
        if (self.tagged and 0x78 <= reg <= 0x7E) or (not self.tagged and reg in (0x3E, 0x3F)):
            return self.fifo_byte()
        return self.regs[reg]

    def write_reg(self, reg, value):
        if reg in (0x0F, _STATUS1, _STATUS2, _TAP_SRC):
            return
        if reg == _CTRL3_C and value & 0x01:
            self.reset()
            return
        self.regs[reg] = value
        if reg == 0x0A and value & 7 == 0:
            self.fifo_clear()  # bypass mode empties the FIFO

    def next_address(self, reg, first):
        if not self.regs[_CTRL3_C] & 0x04:
            return reg
        if self.tagged and reg == 0x7E:
            return 0x78
        if not self.tagged and reg == 0x3F:
            return 0x3E
        return (reg + 1) & 0x7F
