"""The bumble side of the test-only MicroPython ``bluetooth`` module (tests/ble/mpy/).

The firmware runs under the ``micropython`` interpreter; its ``bluetooth.BLE()`` forwards
each call as a JSON line over a TCP socket to :class:`PeripheralBridge`, which performs it on
a bumble device on the shared ``LocalLink`` and answers; bumble's events (connect,
disconnect, writes, MTU exchange) travel back as JSON lines that the module delivers to the
firmware's IRQ handler through ``micropython.schedule``, as a real stack does.

Notifications pass through a bounded queue (``notify_capacity``); when it is full
``gatts_notify`` fails with ``ENOMEM`` like a real controller whose buffers are full.
``gap_disconnect`` behaves as MicroPython documents it (docs/library/bluetooth.rst, "Central &
Peripheral Roles") on NimBLE: ``False`` for a handle that is not connected, ``True`` when the
link starts to end (the ``_IRQ_CENTRAL_DISCONNECT`` event follows once bumble has ended it),
``OSError(EALREADY)`` while it is already ending. Notifications still queued when the link
ends are lost, as with a controller that terminates at once: the firmware must let its last
notification go out before it disconnects. Binary values travel as hex strings.
"""

from __future__ import annotations

import asyncio
import errno
import json
import socket
from typing import Any

from bumble import gatt
from bumble.device import Connection, Device
from bumble.link import LocalLink

from ble_link import PERIPHERAL_ADDRESS, make_device

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_MTU_EXCHANGED = 21

_FLAG_READ = 0x0002
_FLAG_WRITE_NO_RESPONSE = 0x0004
_FLAG_WRITE = 0x0008
_FLAG_NOTIFY = 0x0010
_FLAG_INDICATE = 0x0020


def _properties(flags: int) -> gatt.Characteristic.Properties:
    props = gatt.Characteristic.Properties(0)
    for flag, prop in ((_FLAG_READ, gatt.Characteristic.Properties.READ),
                       (_FLAG_WRITE_NO_RESPONSE,
                        gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE),
                       (_FLAG_WRITE, gatt.Characteristic.Properties.WRITE),
                       (_FLAG_NOTIFY, gatt.Characteristic.Properties.NOTIFY),
                       (_FLAG_INDICATE, gatt.Characteristic.Properties.INDICATE)):
        if flags & flag:
            props |= prop
    return props


class PeripheralBridge:
    """Serves one MicroPython process; owns the bumble peripheral it drives."""

    def __init__(self, link: LocalLink, notify_capacity: int = 8,
                 address: str = PERIPHERAL_ADDRESS, notify_interval_s: float = 0.0) -> None:
        self.device: Device = make_device(link, "peripheral", address)
        self.notify_capacity = notify_capacity
        # Time per notification on air (a connection event); 0 = as fast as bumble goes.
        self.notify_interval_s = notify_interval_s
        self.port = 0
        self.notifications_sent = 0
        self.notified_bytes = 0   # GATT values notified (device -> host)
        self.written_bytes = 0    # GATT values written (host -> device)
        self.writes = 0
        self.enomem_count = 0
        self.advertising = asyncio.Event()
        self.advertised_interval_us: int | None = None
        self._server: asyncio.AbstractServer | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._values: dict[int, bytearray] = {}
        self._append: dict[int, bool] = {}
        self._characteristics: dict[int, gatt.Characteristic[Any]] = {}
        self._connections: dict[int, Connection] = {}
        self._queues: dict[int, asyncio.Queue[tuple[int, bytes]]] = {}
        self._senders: dict[int, asyncio.Task[None]] = {}
        self._ending: set[int] = set()   # handles whose disconnect has started
        self.disconnects_requested = 0   # by the firmware (gap_disconnect that returned True)
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        await self.device.power_on()
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        for task in [*self._senders.values(), *self._tasks]:
            task.cancel()
        if self._writer is not None:
            self._writer.close()
        if self._server is not None:
            self._server.close()
        await self.device.power_off()

    def write_unread(self, data: bytes) -> None:
        """Bytes a host wrote to the append-mode characteristic that the firmware has not read
        yet and has heard nothing of (a write racing a disconnect): as on NimBLE, the buffer
        belongs to the characteristic, not to the connection."""
        (handle,) = [h for h, append in self._append.items() if append]
        self._values[handle] = self._values.get(handle, bytearray()) + data

    async def drop_link(self) -> None:
        """Cut every connection from the peripheral side, like a radio going out of range."""
        for connection in list(self._connections.values()):
            await connection.disconnect()

    # --- the MicroPython side ---------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        # Small request/reply lines: without this, Nagle + delayed ACK add ~40 ms per call.
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            try:
                line = await reader.readline()
            except ConnectionError:  # the firmware process was killed
                break
            if not line:
                break
            request = json.loads(line)
            try:
                value = await getattr(self, "_op_" + request["op"])(*request["a"])
                reply = {"r": request["i"], "v": value}
            except OSError as error:
                reply = {"r": request["i"], "e": error.errno}
            self._send(reply)

    def _send(self, message: dict[str, Any]) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(json.dumps(message).encode() + b"\n")

    def _event(self, code: int, *args: Any) -> None:
        self._send({"ev": code, "a": list(args)})

    async def _op_register(self, services: list[Any]) -> list[list[int]]:
        handles = []
        for service_uuid, chars in services:
            characteristics = []
            for char_uuid, flags in chars:
                cell: list[gatt.Characteristic[Any]] = []  # the handle exists once added
                characteristic: gatt.Characteristic[Any] = gatt.Characteristic(
                    char_uuid, _properties(flags),
                    gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE,
                    gatt.CharacteristicValue(read=self._read_value(cell),
                                             write=self._write_value(cell)))
                cell.append(characteristic)
                characteristics.append(characteristic)
            self.device.add_service(gatt.Service(service_uuid, characteristics))
            for characteristic in characteristics:
                self._characteristics[characteristic.handle] = characteristic
                self._values[characteristic.handle] = bytearray()
            handles.append([c.handle for c in characteristics])
        return handles

    def _read_value(self, cell: list[gatt.Characteristic[Any]]) -> Any:
        return lambda connection: bytes(self._values[cell[0].handle])

    def _write_value(self, cell: list[gatt.Characteristic[Any]]) -> Any:
        def write(connection: Connection, value: bytes) -> None:
            handle = cell[0].handle
            self.writes += 1
            self.written_bytes += len(value)
            if self._append.get(handle):
                self._values[handle].extend(value)
            else:
                self._values[handle] = bytearray(value)
            self._event(_IRQ_GATTS_WRITE, connection.handle, handle)
        return write

    async def _op_advertise(self, interval_us: int | None, adv: str, resp: str,
                            connectable: bool) -> None:
        await self.device.stop_advertising()
        self.advertising.clear()
        if interval_us is None:
            return None
        await self.device.start_advertising(
            advertising_data=bytes.fromhex(adv), scan_response_data=bytes.fromhex(resp),
            # The firmware's frugal interval is for batteries; tests need a quick scan.
            advertising_interval_min=20.0, advertising_interval_max=20.0)
        self.advertised_interval_us = interval_us
        self.advertising.set()
        return None

    async def _op_read(self, handle: int) -> str:
        value = self._values.get(handle, bytearray())
        if self._append.get(handle):
            self._values[handle] = bytearray()
        return bytes(value).hex()

    async def _op_write(self, handle: int, data: str) -> None:
        self._values[handle] = bytearray.fromhex(data)

    async def _op_set_buffer(self, handle: int, size: int, append: bool) -> None:
        self._append[handle] = append

    async def _op_notify(self, conn_handle: int, handle: int, data: str | None) -> None:
        queue = self._queues.get(conn_handle)
        if queue is None:
            raise OSError(errno.ENOTCONN, "not connected")
        if queue.full():
            self.enomem_count += 1
            raise OSError(errno.ENOMEM, "notify queue full")
        value = bytes.fromhex(data) if data is not None else bytes(self._values[handle])
        queue.put_nowait((handle, value))

    async def _op_disconnect(self, conn_handle: int) -> bool:
        connection = self._connections.get(conn_handle)
        if connection is None:
            return False
        if conn_handle in self._ending:
            raise OSError(errno.EALREADY, "disconnect in progress")
        self._ending.add(conn_handle)
        self.disconnects_requested += 1
        task = asyncio.ensure_future(connection.disconnect())
        self._tasks.add(task)  # type: ignore[arg-type]
        task.add_done_callback(self._tasks.discard)  # type: ignore[arg-type]
        return True

    async def _op_mac(self) -> list[Any]:
        return [1, bytes(self.device.random_address.address_bytes[::-1]).hex()]

    # --- bumble events ----------------------------------------------------------------

    def _on_connection(self, connection: Connection) -> None:
        handle = connection.handle
        self._connections[handle] = connection
        self._queues[handle] = asyncio.Queue(self.notify_capacity)
        self._senders[handle] = asyncio.create_task(self._send_notifications(connection))
        self.advertising.clear()
        connection.on(connection.EVENT_DISCONNECTION,
                      lambda reason: self._on_disconnection(connection))
        connection.on(connection.EVENT_CONNECTION_ATT_MTU_UPDATE,
                      lambda: self._event(_IRQ_MTU_EXCHANGED, handle, connection.att_mtu))
        peer = connection.peer_address
        self._event(_IRQ_CENTRAL_CONNECT, handle, 1 if peer.is_random else 0,
                    bytes(peer.address_bytes[::-1]).hex())

    def _on_disconnection(self, connection: Connection) -> None:
        handle = connection.handle
        self._connections.pop(handle, None)
        self._ending.discard(handle)
        self._queues.pop(handle, None)
        sender = self._senders.pop(handle, None)
        if sender is not None:
            sender.cancel()
        peer = connection.peer_address  # the event carries the central's address, as on hardware
        self._event(_IRQ_CENTRAL_DISCONNECT, handle, 1 if peer.is_random else 0,
                    bytes(peer.address_bytes[::-1]).hex())

    async def _send_notifications(self, connection: Connection) -> None:
        queue = self._queues[connection.handle]
        while True:
            handle, value = await queue.get()
            characteristic = self._characteristics[handle]
            await self.device.notify_subscriber(connection, characteristic, value, force=True)
            self.notifications_sent += 1
            self.notified_bytes += len(value)
            if self.notify_interval_s:
                await asyncio.sleep(self.notify_interval_s)
