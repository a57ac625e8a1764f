"""``const`` for every firmware module, on MicroPython and on CPython.

MicroPython's compiler folds ``X = const(...)`` by the name ``const`` alone, wherever it was
imported from, and keeps ``_X = const(...)`` out of the module's dict (checked with the unix
port and the board-grade 32-bit build, from source and from .mpy). CPython has no
``micropython`` module: there ``const`` is the identity.
"""

try:
    from micropython import const
except ImportError:
    def const(x):
        return x
