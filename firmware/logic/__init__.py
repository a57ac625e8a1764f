"""Pure firmware logic: runs unchanged on CPython and MicroPython and touches no hardware."""
