"""Sub-commands of the ``unsit`` CLI, one module each (see docs/architecture.md)."""
