"""Model of the MPU6886 (datasheet rev 1.1) and MPU6050 (RM-MPU-6000A rev 4.2) accelerometers.

Followed: WHO_AM_I 0x75 (0x19 / 0x68); PWR_MGMT_1 reset value 0x40 (asleep: no samples) and
DEVICE_RESET; PWR_MGMT_2 accelerometer standby bits; ACCEL_CONFIG FS bits 4:3 with
16384/8192/4096/2048 LSB/g; big-endian output registers 0x3B-0x40; FIFO_EN bit 3 and
USER_CTRL FIFO_EN/FIFO_RST; the FIFO as a byte stream read through FIFO_R_W (a burst read
stays on 0x74), its byte count in FIFO_COUNTH/L; samples of 8 bytes (accelerometer then
temperature) on the MPU6886, 6 on the MPU6050; 1024 bytes of FIFO; overflow flag in INT_STATUS
bit 4 (cleared by reading it); MPU6886 CONFIG.FIFO_MODE (1: stop when full, 0: overwrite) and
the watermark FIFO_WM_TH (bytes) with its flag FIFO_WM_INT_STATUS bit 6 (cleared by reading);
INT_PIN_CFG.INT_RD_CLEAR: any read clears the latched status.
"""

from .register_chip import RegisterChip, digits

MPU6886_ID = 0x19
MPU6050_ID = 0x68
_CONFIG = 0x1A
_ACCEL_CONFIG = 0x1C
_ACCEL_XOUT_H = 0x3B
_FIFO_EN = 0x23
_INT_PIN_CFG = 0x37
_FIFO_WM_INT_STATUS = 0x39
_INT_STATUS = 0x3A
_FIFO_WM_TH1 = 0x60
_FIFO_WM_TH2 = 0x61
_USER_CTRL = 0x6A
_PWR_MGMT_1 = 0x6B
_PWR_MGMT_2 = 0x6C
_FIFO_COUNTH = 0x72
_FIFO_COUNTL = 0x73
_FIFO_R_W = 0x74
_WHO_AM_I = 0x75


class MPU6886Model(RegisterChip):
    def __init__(self, address=0x68, who_am_i=MPU6886_ID):
        self.who_am_i = who_am_i
        frame = 8 if who_am_i == MPU6886_ID else 6
        self.frame = bytearray(frame)
        self.watermark_flag = False
        RegisterChip.__init__(self, address, 1024 // frame, frame)

    def reset(self):
        RegisterChip.reset(self)
        self.regs[_PWR_MGMT_1] = 0x40
        self.watermark_flag = False

    def is_6886(self):
        return self.who_am_i == MPU6886_ID

    def fifo_bytes(self):
        return self.count * self.frame_bytes - self.offset

    def watermark_bytes(self):
        if not self.is_6886():
            return 0
        return ((self.regs[_FIFO_WM_TH1] & 3) << 8) | self.regs[_FIFO_WM_TH2]

    def sample(self, x_mg, y_mg, z_mg, temp_raw=0):
        """One sample-rate tick; none while asleep or with the accelerometer in standby."""
        if self.regs[_PWR_MGMT_1] & 0x40 or (self.regs[_PWR_MGMT_2] & 0x38) == 0x38:
            return
        lsb_per_g = 16384 >> ((self.regs[_ACCEL_CONFIG] >> 3) & 3)
        i = 0
        for mg in (x_mg, y_mg, z_mg):
            code = digits(mg, 1000, lsb_per_g, 16) & 0xFFFF
            self.frame[i] = code >> 8
            self.frame[i + 1] = code & 0xFF
            self.regs[_ACCEL_XOUT_H + i] = code >> 8
            self.regs[_ACCEL_XOUT_H + i + 1] = code & 0xFF
            i += 2
        if self.is_6886():
            self.frame[6] = (temp_raw >> 8) & 0xFF
            self.frame[7] = temp_raw & 0xFF
        self.regs[_INT_STATUS] |= 0x01
        if self.regs[_USER_CTRL] & 0x40 and self.regs[_FIFO_EN] & 0x08:
            was = self.overrun
            stop_when_full = self.is_6886() and self.regs[_CONFIG] & 0x40
            self.fifo_push(self.frame, overwrite=not stop_when_full)
            if self.overrun and not was:
                self.regs[_INT_STATUS] |= 0x10
        threshold = self.watermark_bytes()
        if threshold and self.fifo_bytes() >= threshold:
            self.watermark_flag = True

    def int_pin(self):
        """Level of INT (active high) for the enabled sources still latched."""
        enabled = self.regs[0x38]
        status = self.regs[_INT_STATUS]
        return bool((enabled & status & 0x11) or self.watermark_flag)

    def read_reg(self, reg):
        if reg == _WHO_AM_I:
            return self.who_am_i
        if reg == _FIFO_COUNTH:
            return (self.fifo_bytes() >> 8) & 0x1F
        if reg == _FIFO_COUNTL:
            return self.fifo_bytes() & 0xFF
        if reg == _FIFO_R_W:
            return self.fifo_byte()
        if reg == _INT_STATUS:
            value = self.regs[_INT_STATUS]
            self.regs[_INT_STATUS] = 0
            return value
        if reg == _FIFO_WM_INT_STATUS and self.is_6886():
            value = 0x40 if self.watermark_flag else 0
            self.watermark_flag = False
            return value
        return self.regs[reg]

    def write_reg(self, reg, value):
        if reg in (_WHO_AM_I, _FIFO_COUNTH, _FIFO_COUNTL, _INT_STATUS):
            return
        if reg == _FIFO_R_W:
            return
        if reg == _PWR_MGMT_1 and value & 0x80:
            self.reset()
            return
        if reg == _USER_CTRL and value & 0x04:
            self.fifo_clear()
            self.watermark_flag = False
            value &= ~0x04 & 0xFF  # FIFO_RST clears itself
        self.regs[reg] = value

    def read(self, memaddr, buf):
        RegisterChip.read(self, memaddr, buf)
        if self.regs[_INT_PIN_CFG] & 0x10:  # INT_RD_CLEAR: any read clears the status
            self.regs[_INT_STATUS] = 0
            self.watermark_flag = False

    def next_address(self, reg, first):
        return reg if reg == _FIFO_R_W else (reg + 1) & 0x7F
