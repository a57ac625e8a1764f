"""unsit: the laptop side of the unsit sitting monitor (sync, review, analysis, device set-up)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unsit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
