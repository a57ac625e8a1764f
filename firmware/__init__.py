"""The unsit firmware tree.

On the board this folder is the filesystem root and this file is unused. On a laptop the
wheel installs the folder as the package ``unsit_firmware`` so that the host tools run the
very logic the board runs (see docs/architecture.md).
"""
