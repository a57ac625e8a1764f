"""Finding the clip among the USB serial ports (pyserial's own port records)."""

from __future__ import annotations

import pytest
from serial.tools.list_ports_common import ListPortInfo

from unsit.errors import UnsitError
from unsit.links.ports import candidates, find_device_port, resolve_port


def port(device: str, vid: int | None = None, pid: int | None = None,
         description: str = "n/a") -> ListPortInfo:
    info = ListPortInfo(device)
    info.vid, info.pid, info.description = vid, pid, description
    return info


PICO = port("/dev/ttyACM0", 0x2E8A, 0x0005, "Board in FS mode")
ESP32S3 = port("/dev/ttyACM1", 0x303A, 0x4001, "ESP32S3")
CP2102 = port("/dev/ttyUSB0", 0x10C4, 0xEA60, "CP2102 USB to UART Bridge Controller")
MOUSE_SERIAL = port("/dev/ttyS0")
PRINTER = port("/dev/ttyACM3", 0x2C99, 0x0002, "Original Prusa MK4")


def test_the_one_micropython_board_is_chosen() -> None:
    assert find_device_port([MOUSE_SERIAL, PICO, PRINTER]) == "/dev/ttyACM0"


def test_a_board_beats_a_usb_uart_bridge() -> None:
    assert find_device_port([CP2102, ESP32S3]) == "/dev/ttyACM1"
    boards, bridges = candidates([CP2102, ESP32S3])
    assert [c.device for c in boards] == ["/dev/ttyACM1"]
    assert [c.device for c in bridges] == ["/dev/ttyUSB0"]


def test_a_lone_bridge_is_taken_for_an_esp32_dev_board() -> None:
    assert find_device_port([MOUSE_SERIAL, CP2102]) == "/dev/ttyUSB0"


def test_no_device_says_what_to_do() -> None:
    with pytest.raises(UnsitError, match="no unsit device found on USB.*--port"):
        find_device_port([MOUSE_SERIAL, PRINTER])


def test_several_devices_are_listed() -> None:
    with pytest.raises(UnsitError, match=r"several possible devices on USB: /dev/ttyACM0 "
                       r"\(Raspberry Pi RP2 MicroPython\), /dev/ttyACM1 .*--port"):
        find_device_port([PICO, ESP32S3])


def test_the_ports_of_this_machine_can_be_listed() -> None:
    boards, bridges = candidates()  # whatever is plugged in here; must not fail
    assert all(c.device for c in boards + bridges)


def test_port_auto_or_none_is_searched_for_and_a_path_is_used_as_given(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from serial.tools import list_ports

    monkeypatch.setattr(list_ports, "comports", lambda: [MOUSE_SERIAL, PICO])
    assert resolve_port("auto") == "/dev/ttyACM0"
    assert resolve_port(None) == "/dev/ttyACM0"
    assert resolve_port("/dev/ttyUSB7") == "/dev/ttyUSB7"
    monkeypatch.setattr(list_ports, "comports", lambda: [MOUSE_SERIAL])
    with pytest.raises(UnsitError, match="no unsit device found on USB"):
        resolve_port("auto")
