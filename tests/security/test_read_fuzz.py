"""Hypothesis against the host's READ handling: a hostile scripted clip (tests/security/
hostile.py) answers every READ with a lie of hypothesis' choosing. Whatever it says, a sync
ends (in a bounded number of READs) with a report or one UnsitError, stores only records
inside the range its HELLO announced, never moves the cursor past that range, never
acknowledges beyond it, and leaves the store fit for the next honest sync."""

from __future__ import annotations

import asyncio
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unsit_firmware.logic import protocol

from hostile import DEVICE_ID, HostileClip, minute
from unsit.errors import UnsitError
from unsit.store import Store, open_store
from unsit.sync import READ_SLACK, sync_device

_TEMPLATE = open_store(":memory:")


def fresh_store() -> Store:
    """An empty, migrated in-memory store (copied from a template: migrating 2,000 times
    would cost more than the syncs)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    _TEMPLATE.conn.backup(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    return Store(conn)


LIES = st.sampled_from(["honest", "start", "next", "renumber", "garbage", "repeat", "more",
                        "empty", "far"])


def lie(kind: str, shift: int, from_seq: int, max_count: int, clip: HostileClip
        ) -> tuple[int, int, bytes] | None:
    start, following, data = clip.genuine(from_seq, max_count)
    if kind == "honest":
        return None
    if kind == "start":
        return max(0, start + shift), following, data
    if kind == "next":
        return start, max(0, following + shift), data
    if kind == "renumber":
        return start, following, b"".join(minute(max(0, start + shift + i))
                                          for i in range(len(data) // 16))
    if kind == "garbage":
        return start, following, bytes((shift * 7 + i) & 0xFF for i in range(len(data)))
    if kind == "repeat":
        return start, following, data + data[:16] if data else data
    if kind == "more":
        return start, following + 40, data + b"".join(minute(following + i) for i in range(40))
    if kind == "empty":
        return start, start, b""
    return start, 0xFFFFFFFF, data     # "far"


@settings(max_examples=2000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(0, 70), claimed=st.integers(-3, 3),
       lies=st.lists(st.tuples(LIES, st.integers(-40, 40)), min_size=1, max_size=8))
def test_a_lying_clip_cannot_push_the_host_outside_what_it_announced(
        count: int, claimed: int, lies: list[tuple[str, int]]) -> None:
    script = list(lies)

    def answer(from_seq: int, max_count: int, clip: HostileClip
               ) -> tuple[int, int, bytes] | None:
        kind, shift = script[(clip.reads - 1) % len(script)]
        return lie(kind, shift, from_seq, max_count, clip)

    announced = max(1, count + 1 + claimed)
    clip = HostileClip(count=count, next_seq=announced, read_script=answer)
    store = fresh_store()
    asyncio.run(both_syncs(clip, store, count, announced))


async def both_syncs(clip: HostileClip, store: Store, count: int, announced: int) -> None:
    try:
        try:
            await sync_device(clip, store, timeout=0.01, retries=0)
        except UnsitError:
            pass
        span = max(0, announced - 1)
        assert clip.reads <= -(-span // protocol.MAX_READ) + READ_SLACK
        assert 0 <= store.cursor(DEVICE_ID) <= announced
        assert clip.acked < announced
        seqs = [row[0] for row in store.conn.execute("SELECT seq FROM records")]
        assert all(1 <= seq < announced for seq in seqs)
        # and the next, honest sync of the same clip works from where the store is
        following = max(announced, count + 1)
        honest = HostileClip(count=following - 1)
        await sync_device(honest, store, timeout=0.01, retries=0)
        assert store.cursor(DEVICE_ID) == following
    finally:
        store.close()
