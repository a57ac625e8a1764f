"""Finding the device on USB when the user gave no ``--port``.

Boards running MicroPython show up as USB serial ports. A port is a *board* when its USB
vendor/product id is one MicroPython boards use for their own USB (native USB CDC), and a
*bridge* when it is a common USB-to-UART chip found on ESP32 development boards. Boards are
preferred; bridges are considered only when no board is present, because a bridge may as well
be a GPS or a 3D printer. None or several candidates is an error that tells the user what to
do.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from serial.tools import list_ports

from unsit.errors import UnsitError

# (vid, pid or None for any product of that vendor, what it is)
BOARD_IDS: tuple[tuple[int, int | None, str], ...] = (
    (0xF055, None, "MicroPython"),                 # MicroPython's own USB vendor id
    (0x2E8A, 0x0005, "Raspberry Pi RP2 MicroPython"),
    (0x303A, None, "Espressif native USB"),        # ESP32-S2/S3/C3/C6 (TinyUSB or JTAG-serial)
    (0x239A, None, "Adafruit"),                    # nRF52840 Feather, QT Py, ...
    (0x1915, None, "Nordic Semiconductor"),        # nRF52840 dongle/DK with MicroPython
    (0x2886, None, "Seeed Studio"),                # XIAO nRF52840 / RP2040 / ESP32-S3
)
BRIDGE_IDS: tuple[tuple[int, int | None, str], ...] = (
    (0x10C4, 0xEA60, "Silicon Labs CP210x"),
    (0x1A86, 0x7523, "WCH CH340"),
    (0x1A86, 0x55D4, "WCH CH9102"),
    (0x0403, 0x6001, "FTDI FT232R"),
    (0x0403, 0x6015, "FTDI FT231X"),
)


@dataclass(frozen=True)
class Candidate:
    device: str
    what: str
    description: str


def _match(vid: int | None, pid: int | None,
           table: Sequence[tuple[int, int | None, str]]) -> str | None:
    for want_vid, want_pid, what in table:
        if vid == want_vid and (want_pid is None or pid == want_pid):
            return what
    return None


def candidates(ports: Iterable[list_ports.ListPortInfo] | None = None
               ) -> tuple[list[Candidate], list[Candidate]]:
    """(boards, bridges) among ``ports`` (default: the ports present now)."""
    found = list_ports.comports() if ports is None else ports
    boards: list[Candidate] = []
    bridges: list[Candidate] = []
    for port in found:
        description = port.description or port.device
        what = _match(port.vid, port.pid, BOARD_IDS)
        if what is not None:
            boards.append(Candidate(port.device, what, description))
            continue
        what = _match(port.vid, port.pid, BRIDGE_IDS)
        if what is not None:
            bridges.append(Candidate(port.device, what, description))
    return boards, bridges


def find_device_port(ports: Iterable[list_ports.ListPortInfo] | None = None) -> str:
    """The one USB serial port that looks like an unsit board, or an :class:`UnsitError`."""
    boards, bridges = candidates(ports)
    chosen = boards or bridges
    if len(chosen) == 1:
        return chosen[0].device
    if not chosen:
        raise UnsitError(
            "no unsit device found on USB: plug it in with a data cable, or give --port PATH"
        )
    listed = ", ".join(f"{c.device} ({c.what})" for c in chosen)
    raise UnsitError(f"several possible devices on USB: {listed}; choose one with --port PATH")


def resolve_port(port: str | None) -> str:
    """The serial port to open for ``--port``: the one found on USB when it is None or
    ``"auto"``, else ``port`` as given."""
    return find_device_port() if port in (None, "auto") else port


def no_clip_to_reach(usb: UnsitError) -> UnsitError:
    """The error when no clip is on USB (``usb`` says why) and none is paired for Bluetooth."""
    return UnsitError(f"{usb}; or pair the clip for Bluetooth with 'unsit pair'")


def open_failure(port: str, error: BaseException) -> str:
    """One line saying why ``port`` could not be opened, for a user to act on.

    pyserial's own messages repeat the path and errno ("could not open port X: [Errno 2] ...
    X"); this names the cause once: a path that is no port at all, a port that is missing
    (with the ones that are there), one without permission or held by another program.
    """
    errno_ = getattr(error, "errno", None)
    text = str(error)
    if "://" not in port and not port.upper().startswith("COM"):
        path = Path(port)
        if not path.exists():
            return f"no such port {port}; {_ports_found()}"
        if (not path.is_char_device() or errno_ == errno.ENOTTY
                or "Inappropriate ioctl" in text or not _is_terminal(port)):
            return f"{port} is not a serial port"
    if errno_ in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return (f"no permission to open {port} (on Linux: add yourself to the 'dialout' "
                "group, then log in again)")
    if errno_ == errno.EBUSY or "Device or resource busy" in text or "exclusively lock" in text:
        return f"{port} is in use by another program"
    if "FileNotFoundError" in text or "could not open port" in text and "No such" in text:
        return f"no such port {port}; {_ports_found()}"
    reason = re.sub(r"\[Errno \d+\] ", "", text.splitlines()[0] if text else type(error).__name__)
    reason = reason.replace(f"could not open port {port}: ", "")
    return f"cannot open {port}: {reason}"


def _is_terminal(port: str) -> bool:
    """Whether ``port`` is a terminal device (a serial port is one; /dev/null is not)."""
    try:
        fd = os.open(port, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return True  # cannot tell: let the other checks speak
    try:
        return os.isatty(fd)
    finally:
        os.close(fd)


def _ports_found() -> str:
    found = sorted(port.device for port in list_ports.comports())
    return f"ports found: {', '.join(found)}" if found else "no serial ports found"
