"""What every modelled chip shares: a 256-byte register file and a FIFO of raw frames.

A subclass says how a register read or write behaves (side effects, read-only registers,
address auto-increment) and how a physical acceleration in milli-g becomes the raw bytes the
chip would produce in its current configuration. Frames live in a preallocated ring so that a
driver reading under ``micropython.heap_lock()`` sees no allocation here either.
"""


def digits(mg, mg_per_digit_num, mg_per_digit_den, bits):
    """``mg`` as the nearest output code of a ``bits``-bit converter, clamped at full scale.

    The sensitivity is the fraction num/den mg per digit, so both "4 mg/digit" and
    "16384 LSB/g" are exact.
    """
    scaled = mg * mg_per_digit_den
    half = mg_per_digit_num // 2
    if scaled >= 0:
        code = (scaled + half) // mg_per_digit_num
    else:
        code = -((-scaled + half) // mg_per_digit_num)
    top = (1 << (bits - 1)) - 1
    if code > top:
        return top
    if code < -top - 1:
        return -top - 1
    return code


class RegisterChip:
    """Registers plus a ring of ``depth`` frames of ``frame_bytes`` raw bytes each."""

    def __init__(self, address, depth, frame_bytes):
        self.address = address
        self.regs = bytearray(256)
        self.depth = depth
        self.frame_bytes = frame_bytes
        self.ring = bytearray(depth * frame_bytes)
        self.head = 0       # index of the oldest frame
        self.count = 0      # frames stored
        self.offset = 0     # bytes of the oldest frame already read
        self.overrun = False
        self.reset()

    def reset(self):
        for i in range(256):
            self.regs[i] = 0
        self.fifo_clear()

    def fifo_clear(self):
        self.head = 0
        self.count = 0
        self.offset = 0
        self.overrun = False

    def fifo_push(self, frame, overwrite=True):
        """Store one frame; when full, overwrite the oldest (stream) or drop the new one."""
        if self.count == self.depth:
            self.overrun = True
            if not overwrite:
                return
            self.head = (self.head + 1) % self.depth
            self.count -= 1
            self.offset = 0
        at = ((self.head + self.count) % self.depth) * self.frame_bytes
        for i in range(self.frame_bytes):
            self.ring[at + i] = frame[i]
        self.count += 1

    def fifo_peek(self, index):
        """Byte ``index`` of the oldest frame (0 if the FIFO is empty)."""
        if self.count == 0:
            return 0
        return self.ring[self.head * self.frame_bytes + index]

    def fifo_pop(self):
        if self.count:
            self.head = (self.head + 1) % self.depth
            self.count -= 1
            self.offset = 0

    def fifo_byte(self):
        """The next unread byte of the oldest frame, popping the frame at its end (0 if empty)."""
        if self.count == 0:
            return 0
        value = self.ring[self.head * self.frame_bytes + self.offset]
        self.offset += 1
        if self.offset == self.frame_bytes:
            self.offset = 0
            self.head = (self.head + 1) % self.depth
            self.count -= 1
        return value

    # Subclasses override these three.
    def read_reg(self, reg):
        return self.regs[reg]

    def write_reg(self, reg, value):
        self.regs[reg] = value

    def next_address(self, reg, first):
        """The register a burst moves to after ``reg`` (``first`` is where it started)."""
        return (reg + 1) & 0xFF

    def read(self, memaddr, buf):
        reg = memaddr
        for i in range(len(buf)):
            buf[i] = self.read_reg(reg)
            reg = self.next_address(reg, memaddr)

    def write(self, memaddr, data):
        reg = memaddr
        for i in range(len(data)):
            self.write_reg(reg, data[i])
            reg = self.next_address(reg, memaddr)
