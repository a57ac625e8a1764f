"""The clip's Bluetooth LE peripheral, on MicroPython's low-level ``bluetooth`` module.

API: MicroPython ``bluetooth.BLE`` (docs.micropython.org, "bluetooth — low-level Bluetooth"):
``gap_advertise``, ``gatts_register_services``, ``gatts_set_buffer`` (append mode, so writes
that arrive before the task reads are kept), ``gatts_read``, ``gatts_notify`` and the IRQ
events ``_IRQ_CENTRAL_CONNECT``, ``_IRQ_CENTRAL_DISCONNECT``, ``_IRQ_GATTS_WRITE``,
``_IRQ_MTU_EXCHANGED``, and ``gap_disconnect(conn_handle)`` ("Central & Peripheral Roles":
returns ``False`` if the handle was not connected, ``True`` otherwise, and on success the
stack raises ``_IRQ_CENTRAL_DISCONNECT``; any other failure is an ``OSError``). GATT per
Core Specification v5.3 Vol 3 Part G; advertising data format per Core Specification
Supplement Part A (flags, 128-bit UUID, complete local name).

One service (``logic.ble_ids``) with a write characteristic (host -> device) and a notify
characteristic (device -> host). Both carry length-prefixed records of the secure session
(``logic.secure_session``) cut to the negotiated ATT MTU - 3. Protocol messages reach the app
only from an authenticated host: ``await receive(timeout_ms)`` returns the next one (or
``None``), ``await send(message)`` answers it.

The IRQ handler only records what happened and sets a ``ThreadSafeFlag``; the ``run()`` task
does the work. Every wait has a limit: a host must authenticate within ``HANDSHAKE_MS`` and
is dropped after ``IDLE_MS`` without a record (the handshake limit runs from the connection,
whatever arrives meanwhile: a host that trickles bytes cannot hold the only link); a notification the stack cannot take
(``OSError(ENOMEM)``: its buffers are full) is retried until ``NOTIFY_STALL_MS``. When a
connection ends, its session, buffers and queued messages are dropped and advertising resumes.

Advertising: every ``ble_ids.ADV_SLOW_US`` (211.25 ms, an interval Apple's accessory
guidelines list) and every ``ble_ids.ADV_FAST_US`` (152.5 ms) for ``FAST_FOR_MS`` after the
wearer opens the pairing window, when a host is actively looking. On battery the controller is on only in
short windows (``hw.power``), so the interval is what lets a scanning host find the clip in
a 1.5 s discovery window; the controller is off the rest of the time.
"""

import asyncio
import time

from logic import ble_ids
from logic.record_stream import RecordAssembler, prefixed

from logic.compat import const

import bluetooth

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)

_ENOMEM = const(12)
_ATT_HEADER = const(3)
_DEFAULT_MTU = const(23)
_PREFERRED_MTU = const(247)
_RX_BUFFER = const(512)
_INBOX = const(4)

FAST_FOR_MS = const(30000)
HANDSHAKE_MS = const(10000)
IDLE_MS = const(60000)
NOTIFY_STALL_MS = const(3000)


class LinkClosed(Exception):
    """The host went away (or was sent away) while a message was being sent."""


class BlePeripheral:
    """The GATT server, advertising and the per-connection secure session.

    ``ble`` is the ``bluetooth.BLE()`` object (``board.ble``); ``session`` a
    ``logic.secure_session.DeviceSession`` (it holds the key store and pairing window);
    ``handshake_ms`` and ``idle_ms`` limit how long a host may stay silent.
    """

    def __init__(self, ble, device_id, session, handshake_ms=HANDSHAKE_MS, idle_ms=IDLE_MS):
        self._ble = ble
        self._handshake_ms = handshake_ms
        self._idle_ms = idle_ms
        self._device_id = device_id
        self._session = session
        self._flag = asyncio.ThreadSafeFlag()
        self._send_lock = asyncio.Lock()  # records must not interleave on the notify stream
        self._inbox_flag = asyncio.Event()
        self._assembler = RecordAssembler()
        self._inbox = []
        self._conn = None
        self._mtu = _DEFAULT_MTU
        # written by the IRQ handler, consumed by run()
        self._irq_connect = None
        self._irq_disconnect = False
        self._irq_rx = False
        # Bumped by the IRQ handler at every connect and disconnect: a stack may give the next
        # connection the same handle, so a handle alone cannot tell a sender its link is gone.
        self._link = 0
        self._rx = None
        self._tx = None
        self._fast_until = None
        self._auth_by = 0     # ticks_ms by which the connected host must have authenticated
        self.stats_notify_retries = 0

    @property
    def link(self):
        """Which connection this is: changes at every connect and disconnect (see ``send``)."""
        return self._link

    @property
    def connected(self):
        return self._conn is not None

    @property
    def authenticated(self):
        return self._conn is not None and self._session.authenticated

    def start(self):
        """Switch the controller on, register the service and advertise (``power(True)``)."""
        self.power(True)

    def power(self, on):
        """Switch the BLE controller on or off (``ble.active``); returns whether it is on.

        On: the service is registered again (``active(False)`` drops the stack's GATT
        database) and the clip advertises. Already on and not connected: advertising is
        started again (the state after every wake is the one asked for). Off is refused
        while a host is connected or connecting: the board keeps the controller on for a
        link, and asks again after it ends.
        """
        ble = self._ble
        if not on:
            if self._tx is None or self._conn is not None or self._irq_connect is not None:
                return self._tx is not None
            self._drop(advertise=False)
            ble.active(False)
            self._rx = self._tx = None
            return False
        if self._tx is not None:
            if self._conn is None and self._irq_connect is None:
                self._advertise()
            return True
        ble.active(True)
        ble.config(gap_name=ble_ids.device_name(self._device_id), mtu=_PREFERRED_MTU)
        ble.irq(self._irq)
        ((self._rx, self._tx),) = ble.gatts_register_services((
            (bluetooth.UUID(ble_ids.SERVICE_UUID), (
                (bluetooth.UUID(ble_ids.RX_UUID),
                 bluetooth.FLAG_WRITE | bluetooth.FLAG_WRITE_NO_RESPONSE),
                (bluetooth.UUID(ble_ids.TX_UUID), bluetooth.FLAG_NOTIFY),
            )),
        ))
        ble.gatts_set_buffer(self._rx, _RX_BUFFER, True)
        self._advertise()
        return True

    def pairing_window_opened(self):
        """The wearer opened the pairing window: advertise fast for a while."""
        self._fast_until = time.ticks_add(time.ticks_ms(), FAST_FOR_MS)
        if self._tx is not None and self._conn is None:  # started and not connected
            self._advertise()

    def _advertise(self):
        interval = ble_ids.ADV_SLOW_US
        if self._fast_until is not None:
            if time.ticks_diff(self._fast_until, time.ticks_ms()) > 0:
                interval = ble_ids.ADV_FAST_US
            else:
                self._fast_until = None
        self._ble.gap_advertise(interval, adv_data=ble_ids.advertising_data(),
                                resp_data=ble_ids.scan_response_data(self._device_id))

    def _irq(self, event, data):
        # Runs in IRQ/scheduler context: record and signal only.
        if event == _IRQ_CENTRAL_CONNECT:
            self._irq_connect = data[0]
            self._link = (self._link + 1) & 0xFFFF
        elif event == _IRQ_CENTRAL_DISCONNECT:
            self._link = (self._link + 1) & 0xFFFF
            if data[0] == self._irq_connect:  # came and went before run() saw it
                self._irq_connect = None
            self._irq_disconnect = True
        elif event == _IRQ_GATTS_WRITE:
            if data[1] == self._rx:
                self._irq_rx = True
        elif event == _IRQ_MTU_EXCHANGED:
            self._mtu = data[1]
        self._flag.set()

    async def run(self):
        """The peripheral's task: connections, incoming records, timeouts. Never returns."""
        while True:
            limit = self._handshake_ms
            if self.authenticated:
                limit = self._idle_ms
            elif self._conn is not None:
                limit = time.ticks_diff(self._auth_by, time.ticks_ms())
                if limit <= 0:
                    self.disconnect()  # no authentication in time since it connected
                    continue
            try:
                await asyncio.wait_for_ms(self._flag.wait(), limit)
            except asyncio.TimeoutError:
                if self._conn is not None:
                    self._hang_up(self._conn)  # silent or stuck host
                elif self._fast_until is not None and self._tx is not None:
                    self._advertise()  # back to the slow interval once the fast period ends
                continue
            if self._irq_disconnect:
                self._irq_disconnect = False
                self._irq_rx = False
                self._drop()
            if self._irq_connect is not None:
                self._conn = self._irq_connect
                self._irq_connect = None
                self._auth_by = time.ticks_add(time.ticks_ms(), self._handshake_ms)
                self._session.reset()
                self._assembler.clear()
            if self._irq_rx:
                self._irq_rx = False
                await self._take_writes()

    def disconnect(self):
        """End the current connection now (the app does after a FORGET of the session's key).

        From this call on nothing more is taken from or sent to that host: its session,
        partial records and queued messages are dropped, ``send`` raises ``LinkClosed``. The
        stack then reports ``_IRQ_CENTRAL_DISCONNECT`` and ``run()`` advertises again (at once
        if the stack says the link was already gone). Returns whether there was a connection.
        A notification handed to the stack just before may not go out (``gatts_notify`` has no
        completion event): give it a few connection intervals first.
        """
        conn = self._conn
        if conn is None:
            return False
        self._conn = None
        self._session.reset()
        self._assembler.clear()
        self._inbox.clear()
        self._inbox_flag.set()  # a receive() waiting wakes and finds nothing
        if not self._hang_up(conn):
            self._drop()  # not connected any more: no disconnect event will come for it
        return True

    def _hang_up(self, conn):
        """Ask the stack to end ``conn``; False if it was not connected (then no event comes).

        NimBLE raises ``OSError(EALREADY)`` for a link it was already asked to end, until
        the controller reports it gone (the peer acknowledges at a later connection event):
        the link is ending, as asked. Every ``gap_disconnect`` goes through here, so a second
        request for the same link (e.g. a record refused, then the idle limit) cannot end
        the peripheral's task.
        """
        try:
            return self._ble.gap_disconnect(conn)
        except OSError:
            return True

    def _drop(self, advertise=True):
        """A connection ended: free its state and advertise again."""
        if self._rx is not None:
            # What the old host wrote but was never read stays in the characteristic's
            # buffer (it is the characteristic's, not the connection's): drop it before the
            # next host can connect, or it would be taken as the start of that host's first
            # record.
            self._ble.gatts_read(self._rx)
        self._conn = None
        self._mtu = _DEFAULT_MTU
        self._session.reset()
        self._assembler.clear()
        self._inbox.clear()
        self._inbox_flag.set()  # wake a receive() so it sees the link is gone
        if advertise and self._tx is not None:
            self._advertise()

    async def _take_writes(self):
        data = self._ble.gatts_read(self._rx)
        if self._conn is None:
            return
        pos = 0
        while pos < len(data):
            pos += self._assembler.feed(memoryview(data)[pos:])
            while True:
                try:
                    record = self._assembler.next_record()
                except ValueError:
                    self._hang_up(self._conn)  # a broken stream: start over
                    return
                if record is None:
                    break
                await self._on_record(record)
                if self._conn is None or self._session.closed:
                    return  # records after a failure are not answered: the link is ending

    async def _on_record(self, record):
        reply, message = self._session.on_record(record, time.ticks_ms())
        if reply is not None:
            try:
                await self._send_record(reply, self._link)
            except LinkClosed:
                return
        if self._session.closed:
            self._hang_up(self._conn)
            return
        if message is not None and len(self._inbox) < _INBOX:
            self._inbox.append(message)
            self._inbox_flag.set()

    async def receive(self, timeout_ms):
        """The next protocol message from the authenticated host, or ``None`` on timeout."""
        deadline = time.ticks_add(time.ticks_ms(), timeout_ms)
        while not self._inbox:
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0:
                return None
            self._inbox_flag.clear()
            try:
                await asyncio.wait_for_ms(self._inbox_flag.wait(), left)
            except asyncio.TimeoutError:
                return None
        return self._inbox.pop(0)

    async def send(self, message, link=None):
        """Seal ``message`` and notify it to the host; ``LinkClosed`` if the host is gone.

        ``link``: the ``link`` the request came on; a reply for a connection that has since
        ended is never sealed into the next one's session.
        """
        if link is None:
            link = self._link
        if not self.authenticated or link != self._link:
            raise LinkClosed()
        await self._send_record(self._session.seal(message), link)

    async def _send_record(self, record, link):
        async with self._send_lock:
            await self._notify_all(record, link)

    async def _notify_all(self, record, link):
        conn = self._conn
        data = memoryview(prefixed(record))
        chunk = self._mtu - _ATT_HEADER
        pos = 0
        while pos < len(data):
            piece = data[pos:pos + chunk]
            waited = 0
            while True:
                if self._conn != conn or self._link != link:
                    raise LinkClosed()
                try:
                    self._ble.gatts_notify(conn, self._tx, piece)
                    break
                except OSError as error:
                    if error.args[0] != _ENOMEM or waited >= NOTIFY_STALL_MS:
                        if self._conn == conn:
                            self._hang_up(conn)
                        raise LinkClosed()
                    # The stack's buffers are full: wait for them to drain, do not drop.
                    self.stats_notify_retries += 1
                    await asyncio.sleep_ms(5)
                    waited += 5
            pos += chunk
