"""Test-only stand-in for MicroPython's ``bluetooth`` module on the unix port (never shipped).

It forwards the low-level API (``BLE().active/config/irq/gap_advertise/gap_disconnect/
gatts_register_services/gatts_read/gatts_write/gatts_set_buffer/gatts_notify``) as JSON
lines over TCP to the bumble peripheral in the pytest process (tests/ble/ble_bridge.py), at
``127.0.0.1:$UNSIT_BLE_BRIDGE_PORT``. Calls block until answered, as on hardware. Events
arrive through an asyncio task started with ``irq()`` and reach the handler through
``micropython.schedule``, so handlers run in the same restricted context as real IRQs.
``gatts_notify`` raises ``OSError(ENOMEM)`` when the bridge's notify queue is full.
"""

import asyncio
import json
import micropython
import os
import select
import socket

FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010
FLAG_INDICATE = 0x0020

_ble = None


class UUID:
    def __init__(self, value):
        self._value = str(value).lower()

    def __str__(self):
        return self._value

    def __eq__(self, other):
        return isinstance(other, UUID) and other._value == self._value


def BLE():
    global _ble
    if _ble is None:
        _ble = _Ble()
    return _ble


class _Ble:
    def __init__(self):
        self._sock = None
        self._poll = None
        self._inbuf = b""
        self._replies = {}
        self._events = []
        self._scheduled = False
        self._handler = None
        self._next = 0
        self._active = False
        self._config = {"gap_name": "MPY", "mtu": 23}
        self._reader = None

    # --- connection to the bridge ----------------------------------------------------

    def _connect(self):
        if self._sock is not None:
            return
        port = int(os.getenv("UNSIT_BLE_BRIDGE_PORT"))
        sock = socket.socket()
        sock.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
        sock.setsockopt(6, 1, 1)  # IPPROTO_TCP, TCP_NODELAY: no Nagle delay on short lines
        sock.setblocking(False)
        self._sock = sock
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)

    def _write_all(self, data):
        view = memoryview(data)
        while view:
            try:
                n = self._sock.write(view)
            except OSError as error:
                if error.errno != 11:  # EAGAIN
                    raise
                n = 0
            if not n:
                select.poll().poll(10)
                continue
            view = view[n:]

    def _take(self, data):
        """Split received bytes into messages: replies are kept, events are scheduled."""
        if not data:
            raise OSError(107, "bluetooth bridge went away")
        self._inbuf += data
        while b"\n" in self._inbuf:
            line, self._inbuf = self._inbuf.split(b"\n", 1)
            message = json.loads(line)
            if "ev" in message:
                self._events.append(message)
                if not self._scheduled:
                    self._scheduled = True
                    micropython.schedule(self._dispatch, None)
            else:
                self._replies[message["r"]] = message

    def _pump_blocking(self):
        self._poll.poll(1000)
        try:
            data = self._sock.read(4096)
        except OSError as error:
            if error.errno == 11:
                return
            raise
        if data is not None:
            self._take(data)

    async def _read_events(self):
        stream = asyncio.StreamReader(self._sock)
        while True:
            data = await stream.read(4096)
            self._take(data)

    def _call(self, op, *args):
        self._connect()
        self._next += 1
        request_id = self._next
        self._write_all(json.dumps({"i": request_id, "op": op, "a": list(args)}) + "\n")
        while request_id not in self._replies:
            self._pump_blocking()
        reply = self._replies.pop(request_id)
        if "e" in reply:
            raise OSError(reply["e"])
        return reply["v"]

    def _dispatch(self, _):
        self._scheduled = False
        while self._events:
            message = self._events.pop(0)
            if self._handler is None:
                continue
            code = message["ev"]
            args = message["a"]
            if code == 1 or code == 2:  # central connect / disconnect: (conn, addr_type, addr)
                data = (args[0], args[1], memoryview(bytes.fromhex(args[2])))
            else:
                data = tuple(args)
            self._handler(code, data)

    # --- the public API ----------------------------------------------------------------

    def active(self, state=None):
        if state is None:
            return self._active
        if state:
            self._connect()
        self._active = bool(state)
        return self._active

    def config(self, *name, **values):
        if name:
            if name[0] == "mac":
                addr_type, addr = self._call("mac")
                return (addr_type, bytes.fromhex(addr))
            return self._config[name[0]]
        self._config.update(values)
        return None

    def irq(self, handler):
        self._connect()
        self._handler = handler
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_events())

    def gatts_register_services(self, services):
        spec = [[str(uuid), [[str(c[0]), c[1]] for c in chars]] for uuid, chars in services]
        return tuple(tuple(h) for h in self._call("register", spec))

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        self._call("advertise", interval_us, bytes(adv_data or b"").hex(),
                   bytes(resp_data or b"").hex(), connectable)

    def gap_disconnect(self, conn_handle):
        # As documented: False if the handle was not connected, True when the link starts to
        # end (_IRQ_CENTRAL_DISCONNECT follows); OSError(EALREADY) while it is already ending.
        return self._call("disconnect", conn_handle)

    def gatts_read(self, value_handle):
        return bytes.fromhex(self._call("read", value_handle))

    def gatts_write(self, value_handle, data, send_update=False):
        self._call("write", value_handle, bytes(data).hex())

    def gatts_set_buffer(self, value_handle, size, append=False):
        self._call("set_buffer", value_handle, size, append)

    def gatts_notify(self, conn_handle, value_handle, data=None):
        self._call("notify", conn_handle, value_handle,
                   None if data is None else bytes(data).hex())
