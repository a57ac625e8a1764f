"""The sync protocol server: frames in from a byte stream, requests answered from the app's parts.

``Service(port, log, settings, clock, info, status, feel, keys, settings_changed)`` receives
exactly what it uses (docs/architecture.md, "The device app"):

- ``port``: ``read_some(buf)`` (async, -> n >= 1) and ``write(data)``, or None for a service
  answered only through ``handle`` (Bluetooth LE). ``PolledStream(file)`` makes one of the
  board's protocol port (a file-like object on USB CDC, or a pty under the simulator): it
  reads a byte only when ``select.poll`` says one is waiting, because ``read(n)`` on a tty
  waits for all n bytes and would stall the asyncio loop; on CPython it polls every POLL_MS;
- ``log``: the ``logic.flashlog.FlashLog``; ``settings``: ``logic.settings.Settings``;
- ``clock``: ``ticks_ms()``, ``time()`` (UTC or None), ``seconds()`` (device seconds or
  None), ``set_time(utc_s)``;
- ``info``: ``device_id`` (8 hex chars), ``name`` (the board profile), ``battery_mv()`` (or
  None), ``charging()`` (the board);
- ``status()`` -> ``(state, minutes_sat, snooze_min_left)`` for STATUS;
- ``feel(pattern)``: play a ``logic.patterns`` pattern soon (BUZZ);
- ``keys`` (``app.ble_service.BleService``, or None without Bluetooth LE: PAIR, FORGET and
  FORGET_ALL are then NOT_ALLOWED): ``pair_over_usb(record)``, ``forget_host(host_id)``
  (-> bool), ``key_count()`` and ``forget_all()`` (-> keys removed);
- ``settings_changed(setting_id)`` (or None): called after SET_SETTING or SET_TIME changed a
  setting, e.g. to save it.

Nothing a host sends can stop the loop: the frame decoder's buffer is bounded, a malformed or
unknown request gets an error response, and an exception inside a handler becomes an
INTERNAL error response (counted in ``faults``).

Coexistence with the REPL over USB: frames never contain bytes 0x01-0x05 (logic/frame.py), so
while the app runs, mpremote's Ctrl-C (0x03) is never mistaken for protocol data: it raises
KeyboardInterrupt in the app, which returns to the REPL as usual, and Ctrl-D (soft reset)
starts the app again. Text the app or the REPL prints between frames is dropped by the host's
decoder (it fails the CRC at the next 0x00).
"""

import asyncio
import sys

from logic import events, frame, patterns, protocol
from logic.records import SIZE
from logic.localtime import clock_is_set, day_allowed, is_quiet
from logic.settings import SCHEMA, entry_by_id
from logic.version import VERSION as FIRMWARE_VERSION

from logic.compat import const

POLL_MS = const(10)
IDLE_POLL_MS = const(200)
_READ_CHUNK = const(64)
_RESPONSE_MAX = const(3 + 9 + 32 * 16)     # the largest response: a full READ


class PolledStream:
    """Non-blocking reads from a blocking file-like stream, through ``select.poll``.

    ``read_some`` waits for the first byte through asyncio's own poller on MicroPython
    (``asyncio.StreamReader(stream).read(1)``: no wake-ups while the line is silent, and no
    latency when a request arrives), then takes whatever else is already there.
    """

    def __init__(self, stream, out=None):
        import select
        import sys

        self._in = stream
        self._out = out if out is not None else stream
        self._poll = select.poll()
        self._poll.register(stream, select.POLLIN)
        self._pollin = select.POLLIN
        self._reader = None
        if sys.implementation.name == "micropython":
            self._reader = asyncio.StreamReader(stream)

    async def read_some(self, buf):
        """Wait until at least one byte has arrived; return how many were put in ``buf``."""
        if self._reader is None:
            while True:
                n = self.read_nowait(buf)
                if n:
                    return n
                await asyncio.sleep(POLL_MS / 1000)
        while True:
            try:
                first = await self._reader.read(1)
            except OSError:     # e.g. EIO on a pty whose other end is closed: wait for a host
                first = b""
            if first:
                buf[0] = first[0]
                return 1 + self.read_nowait(memoryview(buf)[1:])
            await asyncio.sleep(IDLE_POLL_MS / 1000)

    def read_nowait(self, buf):
        n = 0
        while n < len(buf):
            ready = self._poll.poll(0)
            if not ready or not ready[0][1] & self._pollin:
                break
            try:
                data = self._in.read(1)
            except OSError:
                break
            if not data:
                break
            buf[n] = data[0]
            n += 1
        return n

    def write(self, data):
        view = memoryview(data)
        while len(view):
            written = self._out.write(view)
            if written is None:   # a stream that does not report: it wrote everything
                break
            view = view[written:]


class Service:
    """Answers protocol requests from its parts (module docstring); ``handle`` is the
    transport-free core."""

    def __init__(self, port, log, settings, clock, info, status, feel, keys=None,
                 settings_changed=None):
        self.port = port
        self.log = log
        self.settings = settings
        self.clock = clock
        self.info = info
        self.status = status
        self.feel = feel
        self.keys = keys
        self.settings_changed = settings_changed
        self.decoder = frame.Decoder()
        self._in = bytearray(_READ_CHUNK)
        self._resp = bytearray(_RESPONSE_MAX)
        self._out = bytearray(frame.max_encoded_size(_RESPONSE_MAX))
        self.requests = 0
        self.faults = 0
        # where the log stood when this service started: STATUS reports the rate since then
        self._from_seq = log.next_seq
        self._from_s = log.uptime_s()
        self.lost_writes = 0
        self.last_error = None

    async def run(self):
        """Answer requests on the port until cancelled."""
        port = self.port
        buf = self._in
        while True:
            n = await port.read_some(buf)
            self.feed(buf, n)

    def feed(self, data, n=None):
        """Feed received bytes; answer every complete request on the port."""
        if n is None:
            n = len(data)
        decoder = self.decoder
        for i in range(n):
            if decoder.feed_byte(data[i]) >= 0:
                self.send(self.handle(decoder.payload()))

    def send(self, payload):
        n = frame.encode_into(payload, self._out)
        try:
            self.port.write(memoryview(self._out)[:n])
        except OSError:
            self.lost_writes += 1   # the host went away; it will ask again

    def handle(self, payload, peer=None):
        """The response payload to the request ``payload``. Never raises.

        ``peer`` is None for a request from the USB port (physical access) and the
        authenticated host's id for one that came over Bluetooth LE: pairing and the factory
        reset need the cable, and a BLE host may make the clip forget only its own key.
        The result is bytes, or a memoryview of a buffer reused by the next call.
        """
        self.requests += 1
        if len(payload) < 2:
            return protocol.pack_response(protocol.BAD_REQUEST, 0, protocol.MALFORMED)
        cmd = payload[0]
        tag = payload[1]
        try:
            cmd, tag, body = protocol.unpack_request(payload)
            if cmd == protocol.HELLO:
                return self._hello(tag, body)
            if cmd == protocol.READ:
                return self._read(tag, body)
            if cmd == protocol.ACK:
                seq = protocol.unpack_ack_request(body)
                return protocol.pack_response(cmd, tag, protocol.OK,
                                              protocol.pack_ack(self.log.ack(seq)))
            if cmd == protocol.SET_TIME:
                return self._set_time(tag, body)
            if cmd == protocol.GET_SETTINGS:
                return self._get_settings(tag, body)
            if cmd == protocol.SET_SETTING:
                return self._set_setting(tag, body, peer)
            if cmd == protocol.STATUS:
                return self._status(tag, body)
            if cmd == protocol.BUZZ:
                return self._buzz(tag, body)
            if cmd == protocol.PAIR:
                return self._pair(tag, body, peer)
            if cmd == protocol.FORGET:
                return self._forget(tag, body, peer)
            if cmd == protocol.FORGET_ALL:
                return self._forget_all(tag, body, peer)
            return protocol.pack_response(cmd, tag, protocol.UNKNOWN_COMMAND)
        except protocol.ProtocolError as error:
            return protocol.pack_response(cmd, tag, error.code)
        except Exception as error:  # a bug or a flash error must not end the service
            self.faults += 1
            self.last_error = error
            return protocol.pack_response(cmd, tag, protocol.INTERNAL)

    # -- handlers ----------------------------------------------------------------------

    def _keys(self, peer, usb_only):
        """The pairing keys (the BLE service, docs/ble.md); NOT_ALLOWED when the firmware has
        none, or when a USB-only request came over Bluetooth."""
        keys = self.keys
        if keys is None or (usb_only and peer is not None):
            raise protocol.ProtocolError(protocol.NOT_ALLOWED)
        return keys

    def _pair(self, tag, body, peer):
        # USB only (the cable is the consent): over BLE the secure session itself pairs,
        # inside the wearer's pairing window.
        ble = self._keys(peer, True)
        return protocol.pack_response(protocol.PAIR, tag, protocol.OK, ble.pair_over_usb(body))

    def _forget(self, tag, body, peer):
        host_id = protocol.unpack_forget_request(body)
        ble = self._keys(peer, False)
        if peer is not None and bytes(peer) != host_id:   # a BLE host forgets only itself
            raise protocol.ProtocolError(protocol.NOT_ALLOWED)
        removed = ble.forget_host(host_id)
        return protocol.pack_response(protocol.FORGET, tag, protocol.OK,
                                      protocol.pack_forget(removed, ble.key_count()))

    def _forget_all(self, tag, body, peer):
        protocol.unpack_forget_all_request(body)
        removed = self._keys(peer, True).forget_all()
        return protocol.pack_response(protocol.FORGET_ALL, tag, protocol.OK,
                                      protocol.pack_forget_all(removed))

    def _hello(self, tag, body):
        protocol.unpack_hello_request(body)
        log = self.log
        log.flush()
        board = self.info
        flags = protocol.INFO_CHARGING if board.charging() else 0
        info = protocol.pack_info(
            protocol.VERSION, FIRMWARE_VERSION,
            board.device_id, log.first_seq, log.stored_seq, log.acked, log.dropped,
            self.clock.time(), self.settings.get("utc_offset_min"), log.uptime_s(),
            log.boot, board.battery_mv(), flags, protocol.MAX_READ, log.log_id)
        return protocol.pack_response(protocol.HELLO, tag, protocol.OK, info)

    def _read(self, tag, body):
        from_seq, count = protocol.unpack_read_request(body)
        log = self.log
        log.flush()
        resp = self._resp
        at = protocol.pack_response_header_into(resp, protocol.READ, tag, protocol.OK)
        first = at + protocol.READ_HEADER_SIZE
        view = memoryview(resp)
        start, n, next_seq = log.read_into(from_seq, view[first:first + count * SIZE])
        protocol.pack_read_header_into(resp, at, start, n, next_seq)
        return view[:first + n * SIZE]

    def _set_time(self, tag, body):
        utc, offset = protocol.unpack_set_time_request(body)
        previous = self.clock.time()
        self.clock.set_time(utc)
        settings = self.settings
        old_offset = settings.get("utc_offset_min")
        settings.set("utc_offset_min", offset)
        drift = 0 if previous is None else int(previous) - utc
        self.log.append_event(events.TIME_SET, drift, offset + 1024)
        if offset != old_offset:
            self._changed(9)
        self.log.flush()
        return protocol.pack_response(protocol.SET_TIME, tag, protocol.OK,
                                      protocol.pack_set_time(previous))

    def _get_settings(self, tag, body):
        setting_id = protocol.unpack_get_settings_request(body)
        settings = self.settings
        if setting_id is None:
            pairs = [(entry[0], settings.get(entry[1])) for entry in SCHEMA]
        else:
            pairs = [(setting_id, settings.get(self._entry(setting_id)[1]))]
        return protocol.pack_response(protocol.GET_SETTINGS, tag, protocol.OK,
                                      protocol.pack_settings(pairs))

    def _set_setting(self, tag, body, peer):
        setting_id, value = protocol.unpack_set_setting_request(body)
        entry = self._entry(setting_id)
        if value < entry[3] or value > entry[4]:
            return protocol.pack_response(protocol.SET_SETTING, tag, protocol.OUT_OF_RANGE,
                                          protocol.pack_range_error(entry[3], entry[4]))
        settings = self.settings
        old = settings.get(entry[1])
        if old != value:
            settings.set(entry[1], value)
            how = events.CHANGED_USB if peer is None else events.CHANGED_BLE
            log = self.log
            log.append_event(events.SETTING_WAS, setting_id | how << 8, old & 0xFFFF)
            log.append_event(events.SETTING_CHANGED, setting_id, value & 0xFFFF)
            self._changed(setting_id)
            log.flush()      # the wearer's audit trail: on flash at once
        return protocol.pack_response(protocol.SET_SETTING, tag, protocol.OK,
                                      protocol.pack_setting(setting_id, value))

    def _status(self, tag, body):
        if len(body):
            raise protocol.ProtocolError(protocol.MALFORMED)
        board = self.info
        settings = self.settings
        log = self.log
        state, sat, snooze = self.status()
        flags = protocol.STATUS_CHARGING if board.charging() else 0
        if not settings.get("enabled"):
            flags |= protocol.STATUS_REMINDERS_OFF
        now = self.clock.seconds()
        if now is not None and clock_is_set(now):
            flags |= protocol.STATUS_CLOCK_SET
            offset = settings.get("utc_offset_min")
            if is_quiet(now, offset, settings.get("quiet_start_min"),
                        settings.get("quiet_end_min")):
                flags |= protocol.STATUS_QUIET
            if not day_allowed(now, offset, settings.get("weekday_mask")):
                flags |= protocol.STATUS_DAY_OFF
        keys = self.keys
        impl = sys.implementation
        runtime = "%s %d.%d.%d" % ((impl.name,) + tuple(impl.version[:3]))
        stored = log.stored_seq
        body = protocol.pack_status(state, sat, snooze) + protocol.pack_status_extra(
            flags, board.battery_mv(), stored - log.first_seq, log.kept_records,
            max(0, stored - 1 - log.acked), log.next_seq - self._from_seq,
            max(0, log.uptime_s() - self._from_s),
            None if keys is None else keys.key_count(), board.name, runtime)
        return protocol.pack_response(protocol.STATUS, tag, protocol.OK, body)

    def _buzz(self, tag, body):
        pattern = protocol.unpack_buzz_request(body)
        if pattern < 1 or pattern >= patterns.COUNT:
            return protocol.pack_response(protocol.BUZZ, tag, protocol.OUT_OF_RANGE,
                                          protocol.pack_range_error(1, patterns.COUNT - 1))
        self.feel(pattern)
        return protocol.pack_response(protocol.BUZZ, tag, protocol.OK, protocol.pack_buzz(
            pattern, self.settings.get("motor_percent"), patterns.duration_ms(pattern)))

    def _entry(self, setting_id):
        try:
            return entry_by_id(setting_id)
        except KeyError:
            raise protocol.ProtocolError(protocol.UNKNOWN_SETTING)

    def _changed(self, setting_id):
        hook = self.settings_changed
        if hook is not None:
            hook(setting_id)
