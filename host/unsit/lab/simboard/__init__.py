"""The simulated board: MicroPython modules that stand in for the hardware of a clip.

Nothing here runs on CPython. The simulator (``unsit.lab.simulation``) puts this folder on the
``micropython`` interpreter's ``MICROPYPATH`` ahead of the firmware tree, so the firmware's
``main.py`` finds the module ``simboard`` and builds this board instead of a real one. The
module ``simboard.py`` documents the environment variables that configure it.
"""
