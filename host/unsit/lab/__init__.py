"""The simulator and the lab: trace files and the trace generator, the firmware run under the
``micropython`` interpreter on a simulated board, the served simulated clip, and the offline
detector and dataset readers that ``analyze`` and ``eval`` use.
"""
