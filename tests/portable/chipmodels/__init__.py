"""Register-level models of the accelerometers the firmware drives, and an I2C bus to hold them.

These are the one allowed stand-in for hardware: each model follows its chip's datasheet
(register map, WHO_AM_I, full-scale bits to milli-g per digit, FIFO fill, watermark flag,
overrun, auto-increment and FIFO roll-back on burst reads), so the real drivers in
``firmware/hw`` run against them unchanged, under CPython and under MicroPython.
"""
