"""A day of light sleeps with the BLE controller switched in windows, then pairing and a sync.

The real ``hw.boards.Board`` (power policy, controller switching), ``app.ble_service``
(``follow_radio``, the pairing window), ``hw.ble_peripheral`` (``power``, GATT, the secure
session) and ``app.service`` run under MicroPython. What cannot run here is stood in at the
boundary: ``bluetooth.BLE`` is a model of the controller (``Stack``: off until
``active(True)``, which drops connections, advertising and the GATT database when switched
off; it refuses to advertise or notify while off), ``machine.lightsleep`` refuses to run
with the controller on, and the clock jumps over each sleep and each awake wait for the FIFO
(``DayClock``). The FIFO fills slowly (2 samples a second, a wake every 12.5 s) so that a day
of wakes runs in seconds; the board's schedule is the firmware's own. The host is
``logic.secure_session``'s ``HostSession`` writing to the characteristic as a central would.
"""

import sys

from portable import MICROPYTHON, skip

MICROPYTHON_HEAPSIZE = "2M"
MICROPYTHON_TIMEOUT = 600

DAY_S = 24 * 3600
RX, TX = 11, 13                                  # the model's attribute handles


class Stack:
    """``bluetooth.BLE()`` as the peripheral uses it, with the controller modelled."""

    def __init__(self, clock):
        self.clock = clock
        self.advertised_at = []                   # clock.ms of every gap_advertise while on
        self.on = False
        self.handler = None
        self.services = None
        self.interval = None
        self.conn = None
        self.rx = bytearray()
        self.notified = bytearray()
        self.switches = 0

    def active(self, *flag):
        if flag:
            on = bool(flag[0])
            if on != self.on:
                self.switches += 1
            if not on:                            # the stack is torn down
                self.conn = None
                self.interval = None
                self.services = None
                self.rx = bytearray()
            self.on = on
        return self.on

    def _need_on(self):
        if not self.on:
            raise OSError(19)                     # the port's "not active" error

    def config(self, **values):
        self._need_on()

    def irq(self, handler):
        self.handler = handler

    def gatts_register_services(self, services):
        self._need_on()
        if self.interval is not None:
            raise OSError(1)                      # stop advertising before registering
        self.services = services
        return ((RX, TX),)

    def gatts_set_buffer(self, handle, size, append=False):
        self._need_on()

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        self._need_on()
        self.interval = interval_us
        if interval_us is not None:
            self.advertised_at.append(self.clock.ms)

    def gatts_read(self, handle):
        self._need_on()
        data = bytes(self.rx)
        self.rx = bytearray()
        return data

    def gatts_notify(self, conn, handle, data=None):
        self._need_on()
        if conn != self.conn:
            raise OSError(107)
        self.notified.extend(data)

    def gap_disconnect(self, conn):
        if conn != self.conn:
            return False
        self.conn = None
        self.handler(2, (conn, 0, b"\x00" * 6))
        return True

    # the central's side
    def connect(self):
        assert self.on and self.interval is not None and self.services is not None
        self.interval = None                      # advertising stops on a connection
        self.conn = 64
        self.handler(1, (64, 0, b"\x00" * 6))

    def write(self, data):
        assert self.conn is not None
        self.rx.extend(data)
        self.handler(3, (self.conn, RX))

    def hang_up(self):
        conn, self.conn = self.conn, None
        self.handler(2, (conn, 0, b"\x00" * 6))


class DayClock:
    """Ticks that jump: over each light sleep, and over the wait for the FIFO while awake."""

    def __init__(self):
        self.ms = 0
        self.utc = None

    def ticks_ms(self):
        return self.ms & ((1 << 30) - 1)

    def time(self):
        return None if self.utc is None else self.utc + self.ms // 1000

    def seconds(self):
        from logic.localtime import device_seconds

        return device_seconds(self.time())

    def set_time(self, utc):
        self.utc = utc - self.ms // 1000


class Machine:
    def __init__(self, clock, stack):
        self.clock = clock
        self.stack = stack
        self.sleeps = 0

    def lightsleep(self, ms):
        if self.stack.on:
            raise AssertionError("lightsleep with the BLE controller on")
        self.clock.ms += ms
        self.sleeps += 1


class Fifo:
    """2 samples a second; while the MCU is awake, the wait for them passes at once."""

    watermark = 25
    rate_hz = 2
    name = "clocked"
    tap_engine = True

    def __init__(self, clock):
        self.clock = clock
        self.read_at = 0
        self.board = None

    def available(self):
        n = (self.clock.ms - self.read_at) // 500
        if n < 25 and self.board.power.reason is not None:
            self.clock.ms = self.read_at + 12500  # awake: time passes while it waits
            n = 25
        return n if n < 32 else 32

    def read_into(self, buf):
        n = (self.clock.ms - self.read_at) // 500
        if n > 32:
            n = 32
        self.read_at += n * 500
        return n

    def taps(self):
        return 0


def _aes():
    import cryptolib

    return lambda key: cryptolib.aes(key, 1)


def test_pairing_and_sync_work_after_a_day_of_sleeping_with_the_controller_in_windows():
    if not MICROPYTHON:
        skip("MicroPython's asyncio, ThreadSafeFlag and cryptolib")
    import asyncio
    import os
    from array import array

    import logfs

    sys.modules["bluetooth"] = sys.modules.get("bluetooth") or _bluetooth_module()
    from app_parts import Parts
    from hw import boards
    from hw.board_io import LightSleep
    from hw.boards import Board

    # On a board every third wake waits one real millisecond so FreeRTOS's idle task runs;
    # here time is virtual and that wait would only make the day slow.
    boards.IDLE_YIELD_EVERY = 1 << 30
    from logic import protocol
    from logic.record_stream import RecordAssembler, prefixed
    from logic.secure_session import HostSession

    path = logfs.fresh_dir("bleday")
    clock = DayClock()
    stack = Stack(clock)
    machine = Machine(clock, stack)
    fifo = Fifo(clock)
    board = Board("day", "0badc0de", fifo, None, clock, None, path, ble=stack,
                  sleeper=LightSleep(machine), boot_awake_ms=0)
    fifo.board = board
    parts = Parts(path, board.clock, board, state=(1, 0, 0))
    service = parts.ble_service()
    opened = []                                  # clock.ms when each discovery window opened
    buf = array("h", bytes(2 * 3 * 32))

    async def wakes(until_ms):
        while clock.ms < until_ms:
            seen = board.power.windows
            at = clock.ms
            await board.wait_samples()
            if board.power.windows != seen:
                opened.append(at)
            fifo.read_into(buf)

    host = HostSession(b"H" * 8, _aes(), os.urandom)
    assembler = RecordAssembler()

    async def reply():
        for _ in range(2000):
            if stack.notified:
                assembler.feed(bytes(stack.notified))
                stack.notified = bytearray()
            record = assembler.next_record()
            if record is not None:
                return record
            await asyncio.sleep_ms(1)             # the clip's BLE tasks run
        raise AssertionError("no reply from the clip")

    async def ask(record):
        stack.write(prefixed(record))
        return await reply()

    async def scenario():
        ble = asyncio.create_task(service.run(parts.service().handle))
        await wakes(DAY_S * 1000)
        day_sleeps = machine.sleeps
        assert not stack.on                      # a day on: low power between windows
        service.open_pairing_window()            # the wearer's gesture
        await asyncio.sleep_ms(1)
        assert stack.on and stack.interval == 152500   # on, advertising fast
        stack.connect()
        key = host.paired(await ask(host.pair_request()))
        stack.hang_up()
        await asyncio.sleep_ms(1)                # the peripheral sees the link end
        await wakes(clock.ms + 1)                # a wake in between: still in the window
        assert stack.on and stack.interval is not None
        stack.connect()                          # the sync: authenticate, then protocol
        challenge = await ask(host.hello(key))
        host.welcome(await ask(host.answer(challenge, key)))
        info = host.channel.open(await ask(host.channel.seal(protocol.hello_request(1))))
        read = host.channel.open(await ask(host.channel.seal(protocol.read_request(2, 0))))
        stack.hang_up()
        await wakes(clock.ms + 120000)           # window over, host gone
        ble.cancel()
        return day_sleeps, info, read

    day_sleeps, info, read = asyncio.run(scenario())
    assert day_sleeps > 6000                     # a day of light sleeps, 12.5 s each
    # A window opens at the first wake after it is due and the next is due 5 minutes later:
    # every 312.5 s with this FIFO (every ~301 s with a board's one-second wakes).
    day_windows = [t for t in opened if t < DAY_S * 1000]
    assert len(day_windows) >= DAY_S // 313
    for t in opened:                             # advertising in every window, as the board
        assert [a for a in stack.advertised_at if t <= a <= t + 12500], t   # held it open
    assert board.refused == 0
    cmd, tag, status, body = protocol.unpack_response(info)
    assert (tag, status) == (1, protocol.OK)
    cmd, tag, status, body = protocol.unpack_response(read)
    assert (tag, status) == (2, protocol.OK)
    start, count, next_seq, records = protocol.unpack_read(body)
    assert count >= 1 and len(records) == 16 * count   # the PAIRED event, at least
    assert not stack.on and machine.sleeps > day_sleeps   # back in low power, sleeping


def _bluetooth_module():
    """What ``hw.ble_peripheral`` imports of ``bluetooth`` besides ``BLE``: ``UUID``, flags."""

    class Module:
        FLAG_WRITE = 0x0008
        FLAG_WRITE_NO_RESPONSE = 0x0004
        FLAG_NOTIFY = 0x0010

        @staticmethod
        def UUID(value):
            return value

    return Module
