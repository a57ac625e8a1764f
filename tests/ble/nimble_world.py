"""The BLE test world on the board-grade interpreter: the real ``bluetooth`` module (NimBLE).

The firmware runs under ``.board-mpy/bin/micropython32`` (tools/board_micropython.py), whose
``bluetooth`` module is MicroPython's binding over the NimBLE host. NimBLE speaks HCI (H4) over
the tty named by ``$MICROPYBTUART``: here a pty served by a bumble ``Controller`` on the same
``LocalLink`` as the laptop's central (which runs behind bleak, as in ble_world.py). Nothing of
the project stands in for the stack: advertising, connections, ATT/GATT, MTU exchange and
flow control are NimBLE's; only the radio is bumble's controller.

Where bumble's controller differs from a real one (../shared/micropython/README.md, "Facts
about its bluetooth module without a radio"), the world corrects it:
- ``LocalLink`` sends a connection's data from the sender's *random* address; NimBLE
  advertises from its public address (as an ESP32 does), so the central would drop every
  packet. :class:`AirLink` sends it from the address the connection was made with.
- The clip's controller has a public address (an ESP32's factory MAC) and advertises at the
  interval NimBLE asked for.
- A link the clip ends is gone only ``TERMINATE_S`` later, as on air (bumble ends it at once):
  until then NimBLE calls it "terminating" and another ``gap_disconnect`` raises
  ``OSError(EALREADY)``.
- It can pace what it takes from NimBLE (``air_gap_s`` per ACL packet, like connection
  events) or take nothing more (``hold``), so NimBLE's buffers fill and ``gatts_notify``
  meets back-pressure (``OSError(ENOMEM)``) as on a slow or stuck link.

A MicroPython process whose HCI pty is closed spins at full CPU: ``stop_firmware`` ends the
process before it closes the pty.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib.util
import signal
import time
from pathlib import Path
from typing import Any

from bumble import core, hci, ll
from bumble.controller import Controller, LegacyAdvertiser
from bumble.link import LocalLink
from bumble.transport import Transport, open_transport

from ble_link import CENTRAL_ADDRESS, make_device
from firmware_process import FirmwareProcess
from unsit.lab.micropython_runner import micropython_env

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIRMWARE = ROOT / "firmware"
PORTABLE = ROOT / "tests" / "portable"   # app_parts.py: the shared stand-ins
MPY = HERE / "mpy"   # test firmware scripts; the stand-in radio (mpy/standin) is NOT on the path
DEVICE_ID = "0a1b2c3d"
CLIP_PUBLIC_ADDRESS = "24:0A:C4:00:00:01"   # an Espressif-style public address
TERMINATE_S = 0.03   # from the host's Disconnect command to Disconnection Complete
_ATT_CID = 0x0004
_ATT_HANDLE_VALUE_NTF = 0x1B
_PR_SET_PDEATHSIG = 1   # prctl(2)


def _board_tool() -> Any:
    spec = importlib.util.spec_from_file_location("board_micropython",
                                                  ROOT / "tools" / "board_micropython.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def board_interpreter() -> tuple[Path | None, str]:
    """The 32-bit NimBLE interpreter if it is built, else ``None`` and why not."""
    tool = _board_tool()
    if tool.is_built():
        return Path(tool.INTERPRETER), ""
    return None, ("the board-grade MicroPython (32-bit, NimBLE) is not built: run "
                  "`python3 tools/board_micropython.py` (needs ../shared/micropython and "
                  "gcc-multilib)")


def _die_with_parent() -> None:
    """In the child: SIGKILL when the test process dies, so no orphan spins on a dead pty."""
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the fixture's teardown still ends it
        pass


class AirLink(LocalLink):
    """A ``LocalLink`` that sends each connection's data from the address it connected with."""

    def send_acl_data(self, sender_controller: Any, destination_address: hci.Address,
                      transport: core.PhysicalTransport, data: bytes) -> None:
        if transport == core.PhysicalTransport.LE:
            for connection in sender_controller.le_connections.values():
                if connection.peer_address == destination_address:
                    receiver = self.find_le_controller(destination_address)
                    if receiver is not None:
                        source = connection.self_address
                        asyncio.get_running_loop().call_soon(
                            receiver.on_link_acl_data, source, transport, data)
                    return
        super().send_acl_data(sender_controller, destination_address, transport, data)


class _Advertiser(LegacyAdvertiser):
    """Advertises at the interval the host asked for: bumble 0.0.236 reads the HCI value
    (units of 0.625 ms) as milliseconds, so 1022.5 ms would come out as 1.636 s."""

    def _on_timer_fired(self) -> None:
        self.send_advertising_data()
        self.timer_handle = asyncio.get_running_loop().call_later(
            self.advertising_interval_min * 0.000625, self._on_timer_fired)


class ClipController(Controller):
    """The clip's controller, serving NimBLE over a pty.

    Counts the ATT notifications NimBLE hands it (``notifications``, ``notified_bytes``,
    ``notified_at``) and,
    with ``air_gap_s`` > 0, takes one ACL packet from the host per ``air_gap_s`` (the others
    wait in its buffers, which NimBLE sees through the usual Number Of Completed Packets
    flow control), as a radio bound to connection events would.
    """

    def __init__(self, transport: Transport, link: LocalLink, air_gap_s: float = 0.0,
                 terminate_s: float = TERMINATE_S) -> None:
        super().__init__("clip", host_source=transport.source, host_sink=transport.sink,
                         link=link, public_address=CLIP_PUBLIC_ADDRESS)
        self.le_legacy_advertiser = _Advertiser(self)
        self.air_gap_s = air_gap_s
        self.terminate_s = terminate_s
        self.notifications = 0
        self.notified_bytes = 0
        self.notified_at: list[float] = []   # time.perf_counter() of each notification
        self._air: asyncio.Queue[hci.HCI_AclDataPacket] = asyncio.Queue()
        self._pacer: asyncio.Task[None] | None = None

    def on_hci_acl_data_packet(self, packet: hci.HCI_AclDataPacket) -> None:
        data = packet.data
        # A first fragment (PB flag 0 or 2) starts with the L2CAP header: length, channel.
        if (packet.pb_flag in (0, 2) and len(data) >= 5
                and int.from_bytes(data[2:4], "little") == _ATT_CID
                and data[4] == _ATT_HANDLE_VALUE_NTF):
            self.notifications += 1
            self.notified_bytes += int.from_bytes(data[0:2], "little") - 3
            self.notified_at.append(time.perf_counter())
        if not self.air_gap_s:
            super().on_hci_acl_data_packet(packet)
            return
        self._air.put_nowait(packet)
        if self._pacer is None:
            self._pacer = asyncio.get_running_loop().create_task(self._pace())

    async def _pace(self) -> None:
        while True:
            packet = await self._air.get()
            super().on_hci_acl_data_packet(packet)
            await asyncio.sleep(self.air_gap_s)

    def hold(self) -> None:
        """The radio takes one more packet, then no more: the link is stuck, not lost."""
        self.air_gap_s = 3600.0

    def release(self) -> None:
        """Back to a free radio; packets still held belonged to links that have ended."""
        self.stop()
        self._air = asyncio.Queue()
        self.air_gap_s = 0.0

    def on_hci_disconnect_command(self, command: hci.HCI_Disconnect_Command) -> None:
        connection = self.find_le_connection_by_handle(command.connection_handle)
        if connection is None or not self.terminate_s:
            super().on_hci_disconnect_command(command)
            return
        # HCI_Disconnect (Core v5.3 Vol 4 Part E 7.1.6) is answered with a Command Status at
        # once and a Disconnection Complete when the link has ended: on air, once the peer
        # has acknowledged the termination at a later connection event.
        self._send_hci_command_status(hci.HCI_COMMAND_STATUS_PENDING, command.op_code)
        asyncio.get_running_loop().call_later(self.terminate_s, self._terminate, connection,
                                              command.reason)

    def _terminate(self, connection: Any, reason: int) -> None:
        current = self.le_connections.get(connection.peer_address)
        if current is not None and current is connection:   # not already lost
            current.send_ll_control_pdu(ll.TerminateInd(reason))
            self.on_le_disconnected(current, reason)

    @property
    def advertising(self) -> bool:
        return bool(self.le_legacy_advertiser.enabled)

    @property
    def advertising_interval_us(self) -> int:
        """The interval NimBLE asked for (HCI units of 0.625 ms)."""
        return int(self.le_legacy_advertiser.advertising_interval_min) * 625

    def drop_links(self) -> int:
        """Every connection ends as if the radio lost it (supervision timeout, both ends)."""
        dropped = 0
        for connection in list(self.le_connections.values()):
            connection.send_ll_control_pdu(
                ll.TerminateInd(hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR))
            self.on_le_disconnected(connection, hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR)
            dropped += 1
        return dropped

    def stop(self) -> None:
        if self._pacer is not None:
            self._pacer.cancel()
            self._pacer = None


class NimbleWorld:
    """The link, the central behind bleak, and (once started) one firmware process on NimBLE."""

    def __init__(self, tmp: Path, interpreter: Path) -> None:
        self.tmp = tmp
        self.interpreter = interpreter
        self.link = AirLink()
        self.central = make_device(self.link, "central", CENTRAL_ADDRESS, scanner=True)
        self.controller: ClipController | None = None
        self.firmware = FirmwareProcess()
        self._transport: Transport | None = None

    @property
    def output(self) -> list[str]:
        return self.firmware.output

    async def start_firmware(self, script: str, extra_env: dict[str, str] | None = None,
                             air_gap_s: float = 0.0, heapsize: str = "256K",
                             pass_fds: tuple[int, ...] = ()) -> ClipController:
        """Start (or restart) the firmware on a fresh controller; returns once it advertises.

        The heap is twice an ESP32-C3-sized one (128 KiB): compiling the firmware from source
        takes more heap than importing the .mpy files a clip runs.
        """
        await self.stop_firmware()
        hci_path = self.tmp / "hci-tty"
        self._transport = await open_transport(f"pty:{hci_path}")
        self.controller = ClipController(self._transport, self.link, air_gap_s)
        env = micropython_env([FIRMWARE, MPY, PORTABLE])
        env.update(MICROPYBTUART=str(hci_path), UNSIT_DEVICE_ID=DEVICE_ID, **(extra_env or {}))
        self.firmware.output = []
        await self.firmware.start(
            [str(self.interpreter), "-X", f"heapsize={heapsize}", str(MPY / script)], env,
            pass_fds, _die_with_parent)
        await self.wait_advertising(60)
        return self.controller

    async def wait_advertising(self, timeout: float = 10) -> None:
        """Until the clip advertises; fails with its output if it ends or never does."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.controller is None or not self.controller.advertising:
            if self.firmware.pump is not None and self.firmware.pump.done():
                raise AssertionError("firmware ended:\n" + "".join(self.output))
            if loop.time() > deadline:
                raise AssertionError("firmware did not advertise:\n" + "".join(self.output))
            await asyncio.sleep(0.01)

    def printed(self, prefix: str) -> list[str]:
        """What the firmware printed on lines starting with ``prefix`` (the rest of each)."""
        return [line[len(prefix):].strip() for line in self.output if line.startswith(prefix)]

    async def enomem_count(self) -> int:
        """How many notifications the clip's stack has refused so far (``@@ENOMEM n`` lines of
        mpy/ble_log_main.py, printed within 50 ms of a change)."""
        await asyncio.sleep(0.2)
        counts = self.printed("@@ENOMEM")
        return int(counts[-1]) if counts else 0

    async def drop_link(self) -> None:
        assert self.controller is not None
        self.controller.drop_links()
        await asyncio.sleep(0)

    async def stop_firmware(self) -> None:
        await self.firmware.stop()      # the process first: see FirmwareProcess.stop
        if self.controller is not None:
            self.controller.stop()
            self.link.remove_controller(self.controller)
            self.controller = None
        if self._transport is not None:
            await self._transport.close()
            self._transport = None

    def firmware_alive(self) -> bool:
        return self.firmware.alive()
