"""Hypothesis drives the flash log through random appends, flushes, acknowledgements, reboots
(RAM lost) and a full budget, and checks it against what a host has already seen."""

from __future__ import annotations

import shutil
import tempfile

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from unsit_firmware.logic import events, records
from unsit_firmware.logic.flashlog import FlashLog

SEGMENT = 8
BUDGET = 4 * SEGMENT * records.SIZE


class Clock:
    def __init__(self, utc: int | None) -> None:
        self.ms = 0
        self.utc = utc

    def ticks_ms(self) -> int:
        return self.ms & 0x3FFFFFFF

    def time(self) -> int | None:
        return self.utc


class LogMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="unsit-model-")
        self.clock = Clock(None)
        self.log = self._open()
        self.seen: dict[int, bytes] = {}      # what a host has read: must never change
        self.highest_seen = 0
        self.acked = 0
        self.dropped = 0
        self.first = self.log.first_seq

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _open(self) -> FlashLog:
        return FlashLog(self.dir, self.clock, budget_bytes=BUDGET, segment_records=SEGMENT,
                        batch=4)

    @rule(seconds=st.lists(st.integers(0, 60), min_size=5, max_size=5),
          steps=st.integers(0, 2000))
    def minute(self, seconds: list[int], steps: int) -> None:
        self.clock.ms += 60_000
        if self.clock.utc is not None:
            self.clock.utc += 60
        self.log.append_minute(seconds, steps)
        self._note_drops()

    @rule(kind=st.sampled_from([events.REMINDER, events.HEEDED, events.SNOOZE]),
          a=st.integers(0, 0xFFFF))
    def event(self, kind: int, a: int) -> None:
        self.log.append_event(kind, a, 0)
        self._note_drops()

    @rule()
    def set_clock(self) -> None:
        if self.clock.utc is None:
            self.clock.utc = 1767225600 + self.clock.ms // 1000

    @rule()
    def flush(self) -> None:
        self.log.flush()
        self._note_drops()

    @rule()
    def sync(self) -> None:
        """A host reads everything from its cursor and acknowledges it."""
        self.log.flush()
        self._note_drops()
        buf = bytearray(5 * records.SIZE)
        seq = self.highest_seen + 1
        while True:
            start, count, seq_next = self.log.read_into(seq, buf)
            for i in range(count):
                body = bytes(buf[i * 16:(i + 1) * 16])
                got = records.unpack(body)[0]
                assert got not in self.seen, "a sequence number came twice"
                self.seen[got] = body
                self.highest_seen = max(self.highest_seen, got)
            if count == 0:
                break
            seq = seq_next
        self.acked = self.log.ack(self.highest_seen)

    @rule()
    def reboot(self) -> None:
        """Power lost: the RAM buffer is gone, the files stay."""
        self.clock = Clock(None)
        self.log = self._open()
        assert self.log.acked == self.acked
        assert self.log.dropped == self.dropped

    def _note_drops(self) -> None:
        """Segments dropped by the last write: their unacknowledged records count."""
        first = self.log.first_seq
        if first > self.first:
            lost_from = max(self.first, self.acked + 1)
            self.dropped += max(0, first - lost_from)
            self.first = first

    @invariant()
    def log_is_consistent(self) -> None:
        log = self.log
        assert log.first_seq == self.first
        assert log.dropped == self.dropped
        assert log.next_seq > self.highest_seen        # never reuses a number a host saw
        buf = bytearray(64 * records.SIZE)
        start, count, nxt = log.read_into(0, buf)
        seqs = [records.unpack(buf, 16 * i)[0] for i in range(count)]
        assert seqs == list(range(log.first_seq, log.first_seq + count))
        for i, seq in enumerate(seqs):
            if seq in self.seen:
                assert bytes(buf[16 * i:16 * i + 16]) == self.seen[seq]


LogMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=60,
                                        deadline=None)
TestFlashLogModel = pytest.mark.slow(LogMachine.TestCase)
