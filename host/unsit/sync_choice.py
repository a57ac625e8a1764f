"""The link ``unsit sync`` takes: USB when a clip is plugged in, else Bluetooth LE to the
paired clip (``sync_auto``), and the Bluetooth counterpart of ``unsit.sync.sync_serial``
(``sync_ble``). docs/sync.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from unsit.errors import UnsitError
from unsit.links.ble import connect
from unsit.links.ble_scan import SCAN_S, BluetoothUnavailable, DeviceNotFound
from unsit.links.ports import find_device_port, no_clip_to_reach
from unsit.links.transport import Transport
from unsit.pairing.keys import KeyRing
from unsit.sync import Progress, SyncReport, sync_resuming, sync_serial

# A clip on battery light-sleeps with its radio off and shows itself for 1.5 s every 5 minutes
# (hw/power.py DISCOVERY_EVERY_MS, DISCOVERY_MS); syncing waits for one such window.
SYNC_SCAN_S = 310.0
RECONNECT_S = 10.0     # how long a link lost mid-sync is looked for again


async def sync_ble(name_or_id: str | None, db: Path | str | None,
                   progress: Progress | None = None, reconnect_s: float = RECONNECT_S,
                   say: Callable[[str], None] | None = None, keyring: KeyRing | None = None,
                   scan_s: float = SCAN_S, **options: object) -> SyncReport:
    """``unsit sync`` over Bluetooth: the paired clip (the only one when ``name_or_id`` is
    None) into the store ``db``; the BLE counterpart of ``unsit.sync.sync_serial``.

    A link lost mid-transfer (the wearer walked out of range) is found and connected again
    for up to ``reconnect_s`` seconds, and the sync resumes at the stored cursor.
    """
    ring = KeyRing() if keyring is None else keyring

    async def open_link() -> Transport:
        return await connect(name_or_id, ring, scan_s)

    return await sync_resuming(
        open_link, db, (DeviceNotFound,),
        lambda error: f"{error}; looking for it for up to {reconnect_s:g} s",
        progress=progress, reconnect_s=reconnect_s, pause_s=0.0, say=say, **options)


async def sync_auto(name_or_id: str | None, db: Path | str | None,
                    progress: Progress | None = None,
                    say: Callable[[str], None] | None = None, keyring: KeyRing | None = None,
                    scan_s: float = SYNC_SCAN_S, **options: object) -> tuple[SyncReport, str]:
    """``unsit sync`` without ``--port``: over USB when a clip is plugged in (faster, and the
    cable needs no key), else over Bluetooth when this computer is paired with a clip, else
    (or when Bluetooth is off or the clip is out of range) one clear error.

    A named clip is synced over Bluetooth only. Returns the report and the link used
    (``"Bluetooth LE"`` or the serial port). When neither link works, one
    :class:`UnsitError` says why for both.
    """
    keyring = KeyRing() if keyring is None else keyring
    plugged: str | None = None
    if name_or_id is None:
        try:
            plugged = find_device_port()
        except UnsitError:
            plugged = None
    if plugged is None and (name_or_id is not None or keyring.devices()):
        if say is not None and scan_s > 2 * SCAN_S:
            say(f"looking for the clip over Bluetooth for up to {scan_s / 60:.0f} min: on battery "
                "it shows itself every 5 minutes (Ctrl-C to stop)")
        try:
            report = await sync_ble(name_or_id, db, progress, say=say, keyring=keyring,
                                    scan_s=scan_s, **options)  # type: ignore[arg-type]
            return report, "Bluetooth LE"
        except (BluetoothUnavailable, DeviceNotFound) as error:
            if name_or_id is not None:
                raise
            why = str(error) if str(error).endswith((".", "?")) else f"{error}."
        try:
            port = find_device_port()
        except UnsitError as usb:
            raise UnsitError(f"cannot reach the clip. Bluetooth: {why} USB: {usb}") from None
        if say is not None:
            say(f"{why} Syncing over USB ({port}) instead.")
    elif plugged is not None:
        port = plugged
    else:
        try:
            port = find_device_port()
        except UnsitError as usb:
            raise no_clip_to_reach(usb) from None
    # None: the port is looked for again if the clip resets and its USB port comes back
    report = await sync_serial(None, db, progress=progress, say=say,
                               **options)  # type: ignore[arg-type]
    return report, port
