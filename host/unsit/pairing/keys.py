"""The keys this computer shares with the clips it paired with.

One JSON file in the user's data directory (``keys.json`` beside the log database; the
``UNSIT_KEYS`` environment variable names another file, for tests and multiple users). It
holds this computer's random host id, which the device uses to look up the key, and for each
paired device its id, name, last Bluetooth address and 32-byte key (hex). The file is
written atomically and readable by its owner only.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from unsit.errors import UnsitError
from unsit.private_files import read_private, write_private

HOST_ID_SIZE = 8


@dataclass(frozen=True)
class PairedDevice:
    device_id: str      # 8 hex digits
    name: str           # unsit-XXXX
    key: bytes
    address: str = ""   # last Bluetooth address seen ("" if paired over USB only)


def default_path() -> Path:
    override = os.environ.get("UNSIT_KEYS")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("unsit", appauthor=False)) / "keys.json"


class KeyRing:
    """Read-modify-write access to the key file."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._host_id = b""
        self._devices: dict[str, PairedDevice] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(read_private(self.path).decode())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError
            raise UnsitError(f"cannot read the key file {self.path}: {error}") from None
        try:
            self._host_id = bytes.fromhex(data["host_id"])
            for entry in data.get("devices", []):
                entry["key"] = bytes.fromhex(entry["key"])
                device = PairedDevice(**entry)
                self._devices[device.device_id] = device
        except (KeyError, TypeError, ValueError) as error:
            raise UnsitError(f"the key file {self.path} is damaged ({error}); "
                             "remove it and pair again") from None

    @property
    def host_id(self) -> bytes:
        """This computer's id, created (and saved) on first use."""
        if not self._host_id:
            self._host_id = secrets.token_bytes(HOST_ID_SIZE)
            self._save()
        return self._host_id

    def known_host_id(self) -> bytes | None:
        """This computer's id if it has one (never creates it)."""
        return self._host_id or None

    def devices(self) -> list[PairedDevice]:
        return sorted(self._devices.values(), key=lambda d: d.name)

    def get(self, device_id: str) -> PairedDevice | None:
        return self._devices.get(device_id)

    def find(self, name_or_id: str) -> PairedDevice | None:
        """A paired device by id, name (any case) or address."""
        wanted = name_or_id.lower()
        for device in self._devices.values():
            if wanted in (device.device_id.lower(), device.name.lower(), device.address.lower()):
                return device
        return None

    def choose(self, name_or_id: str | None) -> PairedDevice:
        """The paired device named (id, name or address), or the only one when None;
        an :class:`UnsitError` (exit code 2) when there is no such device or several."""
        if name_or_id is not None:
            chosen = self.find(name_or_id)
            if chosen is None:
                raise UnsitError(f"{name_or_id} is not paired with this computer "
                                 "(run 'unsit pair')", exit_code=2)
            return chosen
        devices = self.devices()
        if not devices:
            raise UnsitError("no device is paired with this computer (run 'unsit pair')",
                             exit_code=2)
        if len(devices) > 1:
            names = ", ".join(d.name for d in devices)
            raise UnsitError(f"several devices are paired ({names}): name one", exit_code=2)
        return devices[0]

    def add(self, device: PairedDevice) -> None:
        self._devices[device.device_id] = device
        self._save()

    def forget(self, device_id: str) -> bool:
        removed = self._devices.pop(device_id, None) is not None
        if removed:
            self._save()
        return removed

    def _save(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        entries = []
        for device in self.devices():
            entry = asdict(device)
            entry["key"] = device.key.hex()
            entries.append(entry)
        text = json.dumps({"host_id": self._host_id.hex(), "devices": entries}, indent=2)
        write_private(self.path, (text + "\n").encode())
