"""Hardware glue: chip drivers, motor, Bluetooth, USB and board profiles."""

import sys


def unload(name):
    """Let the collector have this package's module ``name`` (a driver tried but not chosen,
    the profiles once the board is built): on a board an imported module's code stays in RAM.
    """
    if sys.modules.pop(__name__ + "." + name, None) is not None:
        package = sys.modules[__name__]
        if hasattr(package, name):
            delattr(package, name)
