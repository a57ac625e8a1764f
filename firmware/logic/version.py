"""The one version number of unsit: the firmware reports it in INFO, the host package and its
wheel carry it (pyproject.toml reads it from here)."""

VERSION = (0, 1, 0)
