"""unsit: the laptop side of the unsit sitting monitor (sync, review, analysis, device set-up)."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # Looked up when asked for, not at import: importlib.metadata costs tens of milliseconds
    # at every start of the CLI (and a Ctrl-C then would land outside the CLI's handler).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("unsit")
        except PackageNotFoundError:  # a source tree that was never installed
            from unsit_firmware.logic.version import VERSION

            return ".".join(str(part) for part in VERSION)
    raise AttributeError(f"module 'unsit' has no attribute {name!r}")
