"""Links that carry protocol messages between the host and a device.

A :class:`Transport` moves whole protocol messages (payloads, unframed): ``await
t.request(message, timeout)`` sends one request and returns the next response. Every
implementation is an async context manager, so USB and Bluetooth LE look the same to
:mod:`unsit.links.client`::

    async with SerialTransport("/dev/ttyACM0") as link:
        reply = await link.request(hello_message, timeout=1.0)

:class:`SerialTransport` frames messages with the firmware's own codec
(``unsit_firmware.logic.frame``) over pyserial. A reader thread decodes frames as bytes
arrive and hands them to the event loop; frames that arrive when no request waits (a late
answer to a timed-out request) are discarded before the next request is sent, so a retry
never reads a stale reply.

Errors are :class:`TransportError` (an :class:`~unsit.errors.UnsitError`), with
:class:`LinkTimeout` for a device that does not answer in time and :class:`LinkLost` for a
port that went away.
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType

import serial

from unsit_firmware.logic import frame

from unsit.errors import UnsitError
from unsit.links.ports import open_failure


class TransportError(UnsitError):
    """The link to the device failed."""


class LinkTimeout(TransportError):
    """The device did not answer in time."""


class LinkLost(TransportError):
    """The port or connection went away (cable pulled, device reset, port closed)."""


async def next_message(queue: asyncio.Queue[bytes | BaseException], timeout: float,
                       source: str) -> bytes:
    """The next message a link's reader queued, or the error it queued instead; a
    :class:`LinkTimeout` naming ``source`` when none comes within ``timeout`` seconds."""
    try:
        item = await asyncio.wait_for(queue.get(), timeout)
    except TimeoutError:
        raise LinkTimeout(f"no answer from {source} within {timeout:g} s") from None
    if isinstance(item, BaseException):
        raise item
    return item


class Transport(ABC):
    """One open link to one device, carrying whole protocol messages."""

    #: What the link is, for messages ("/dev/ttyACM0", "unsit-1a2b (BLE)").
    description: str = "device"
    #: The largest message this link carries in one request or response.
    max_message: int = frame.MAX_PAYLOAD

    @property
    def bytes_in(self) -> int:
        """Bytes received on the link so far (0 where a link does not count them)."""
        return 0

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def request(self, message: bytes, timeout: float) -> bytes:
        """Send ``message`` and return the device's next response to it.

        Raises :class:`LinkTimeout` when no response arrives within ``timeout`` seconds,
        :class:`LinkLost` when the link goes away.
        """

    @abstractmethod
    async def receive(self, timeout: float) -> bytes:
        """The next message from the device without sending anything (after a reply that
        answered an earlier request); :class:`LinkTimeout` as for :meth:`request`."""

    async def __aenter__(self) -> Transport:
        await self.open()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()


class SerialTransport(Transport):
    """Protocol messages in frames over a serial port (USB CDC on a board, a pty in tests).

    ``port`` is a path (``/dev/ttyACM0``, ``COM3``) or any URL pyserial accepts. The baud
    rate is irrelevant for USB CDC and ptys but matters for UART bridges.
    """

    def __init__(self, port: str, baudrate: int = 115200,
                 serial_factory: Callable[..., serial.SerialBase] | None = None) -> None:
        self.port = port
        self.baudrate = baudrate
        self.description = port
        self._factory = serial_factory or serial.serial_for_url
        self._serial: serial.SerialBase | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._frames: asyncio.Queue[bytes | BaseException] | None = None
        self._reader: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = asyncio.Lock()
        self._bytes_in = 0
        self.bytes_out = 0
        self.bad_frames = 0

    @property
    def bytes_in(self) -> int:
        return self._bytes_in

    async def open(self) -> None:
        try:
            self._serial = self._factory(self.port, baudrate=self.baudrate, timeout=0.05,
                                         write_timeout=5, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as error:
            raise TransportError(open_failure(self.port, error)) from None
        try:
            # Whatever waits in the buffers belongs to an earlier session.
            self._serial.reset_input_buffer()
        except (serial.SerialException, OSError):
            pass
        self._loop = asyncio.get_running_loop()
        self._frames = asyncio.Queue()
        self._stop.clear()
        self._reader = threading.Thread(target=self._read_loop, name=f"serial {self.port}",
                                        daemon=True)
        self._reader.start()

    async def close(self) -> None:
        self._stop.set()
        if self._serial is not None:
            try:
                self._serial.cancel_read()
            except (AttributeError, serial.SerialException, OSError):
                pass
        if self._reader is not None:
            await asyncio.to_thread(self._reader.join, 2)
            self._reader = None
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                pass
            self._serial = None

    async def request(self, message: bytes, timeout: float) -> bytes:
        if self._serial is None or self._frames is None:
            raise LinkLost(f"{self.port} is not open")
        async with self._lock:
            while not self._frames.empty():  # late answers to earlier requests
                stale = self._frames.get_nowait()
                if isinstance(stale, BaseException):
                    raise stale
            data = frame.encode(message)
            try:
                await asyncio.to_thread(self._write, data)
            except (serial.SerialException, OSError) as error:
                raise LinkLost(_lost(self.port, error)) from None
            self.bytes_out += len(data)
            return await self._next(timeout)

    async def receive(self, timeout: float) -> bytes:
        if self._serial is None or self._frames is None:
            raise LinkLost(f"{self.port} is not open")
        async with self._lock:
            return await self._next(timeout)

    async def _next(self, timeout: float) -> bytes:
        assert self._frames is not None
        return await next_message(self._frames, timeout, self.port)

    def _write(self, data: bytes) -> None:
        assert self._serial is not None
        self._serial.write(data)

    def _read_loop(self) -> None:
        """Reader thread: bytes in, whole frames out to the event loop."""
        assert self._serial is not None and self._loop is not None
        decoder = frame.Decoder()
        port = self._serial
        while not self._stop.is_set():
            try:
                waiting = port.in_waiting
                data = port.read(waiting if waiting > 0 else 1)
            except (serial.SerialException, OSError, TypeError, AttributeError) as error:
                if not self._stop.is_set():
                    self._deliver(LinkLost(_lost(self.port, error)))
                return
            if not data:
                continue
            self._bytes_in += len(data)
            for payload in decoder.feed(data):
                self._deliver(payload)
            self.bad_frames = decoder.errors

    def _deliver(self, item: bytes | BaseException) -> None:
        assert self._loop is not None and self._frames is not None
        try:
            self._loop.call_soon_threadsafe(self._frames.put_nowait, item)
        except RuntimeError:  # the loop closed under us: nobody is waiting any more
            pass


def _lost(port: str, error: BaseException) -> str:
    return f"lost the connection to {port} ({_reason(error)}): was the clip unplugged or reset?"


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0]
