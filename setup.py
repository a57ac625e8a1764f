"""Package layout that pyproject.toml cannot express: the firmware tree ships as ``unsit_firmware``.

The firmware folder is the board's filesystem root, so it is not nested inside the host package;
the wheel maps it onto the package ``unsit_firmware`` (docs/architecture.md).
"""

from setuptools import find_packages, setup

firmware_packages = ["unsit_firmware"] + [
    "unsit_firmware." + name for name in find_packages("firmware")
]

setup(
    packages=find_packages("host") + firmware_packages,
    package_dir={"": "host", "unsit_firmware": "firmware"},
)
