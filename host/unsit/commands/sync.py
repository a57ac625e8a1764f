"""``unsit sync [NAME]``: fetch the clip's log into the local store and say what arrived.

Without ``--port`` a clip plugged in on USB is synced over the cable; else the clip this
computer is paired with is synced over Bluetooth LE (and when Bluetooth is off, or the clip
is out of range, the USB serial ports are looked at once more). ``--port PATH`` (or
``--port auto``) syncs over USB only; naming a clip syncs that paired clip over Bluetooth
only. The clock of the
clip is set (UTC and this computer's UTC offset), everything after the stored cursor is
fetched, stored and acknowledged; progress goes to stderr for long transfers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from unsit_firmware.logic import events
from unsit_firmware.logic.settings import entry_by_id

from unsit import console
from unsit.durations import human_duration, local_minute
from unsit.errors import UnsitError
from unsit.pairing.keys import KeyRing
from unsit.log.placement import UNPLACEABLE_WHY
from unsit.store import default_path

if TYPE_CHECKING:
    from unsit.sync import FaultEpisode, SyncReport

NAME = "sync"
HELP = ("Fetch the clip's log (USB if plugged in, else Bluetooth if paired) into the local "
        "store, set its clock, and show what arrived.")

PROGRESS_FROM = 1000  # records: smaller transfers finish before a progress line helps


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help="the paired clip to sync over Bluetooth (unsit-XXXX, id or "
                        "address; default: the clip on USB, else the only paired clip)")
    parser.add_argument("--port", metavar="PATH",
                        help="sync over USB: the clip's serial port, e.g. /dev/ttyACM0 or "
                        "COM3, or 'auto' to find it on USB")
    parser.add_argument("--db", metavar="PATH",
                        help=f"the store to fill (default: {default_path()})")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")


class ProgressLine:
    """Progress on ``stream``: one line rewritten on a terminal; nothing elsewhere or with -q."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = console.progress_shown(stream)
        self.shown = -1
        self.active = False

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM or not self.tty:
            return
        percent = min(100, done * 100 // max(total, 1))
        self.stream.write(f"\rfetching records: {done}/{total} ({percent} %)")
        self.active = True
        self.shown = percent
        self.stream.flush()

    def say(self, line: str) -> None:
        """A message between progress updates (not with -q)."""
        if console.verbosity() < console.NORMAL:
            return
        self.finish()
        self.active = False
        self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.active:
            self.stream.write("\n")
            self.stream.flush()


async def run_async(args: argparse.Namespace) -> int:
    from unsit.sync import sync_serial
    from unsit.sync_choice import sync_auto  # bleak and cryptography: loaded only when syncing

    progress = ProgressLine(sys.stderr)
    try:
        if args.port is not None:
            report = await sync_serial(args.port, args.db, progress=progress, say=progress.say)
            via = "USB"
        else:
            report, via = await sync_auto(args.name, args.db, progress=progress,
                                          say=progress.say)
            via = via if via == "Bluetooth LE" else "USB"
    finally:
        progress.finish()
    console.detail(f"records {report.from_seq} to {report.to_seq - 1}: {report.fetched} "
                   f"fetched, {report.new} new, {report.bytes_in} bytes, {report.retries} "
                   f"retries, acknowledged up to {report.acked}")
    if args.json:
        json.dump({**report_json(report), "via": via}, sys.stdout)
        sys.stdout.write("\n")
    else:
        print_report(report, via)
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(run_async(args))


def report_json(report: SyncReport) -> dict[str, Any]:
    device = report.device
    return {
        "device_id": device.device_id, "name": device.name, "firmware": device.firmware,
        "protocol": device.protocol, "from_seq": report.from_seq, "to_seq": report.to_seq,
        "fetched": report.fetched, "new": report.new, "minutes": report.minutes,
        "events": report.events, "idle_minutes": report.idle_minutes,
        "first_utc": report.first_utc, "last_utc": report.last_utc,
        "dropped_on_device": report.dropped_new, "dropped_total": device.dropped,
        "missing": report.missing, "corrupt": report.corrupt, "unplaced": report.unplaced,
        "unplaceable": report.unplaceable, "unplaceable_why": dict(report.unplaceable_why),
        "estimated": report.estimated,
        "clock_before": report.clock_before, "clock_set_to": report.clock_set_to,
        "acked": report.acked, "seconds": round(report.seconds, 3),
        "battery_mv": device.battery_mv, "retries": report.retries, "notes": report.notes,
        "faults": [{"kind": events.NAMES.get(f.kind, str(f.kind)), "cause": f.cause,
                    "start_utc": f.start_utc, "minutes": f.minutes} for f in report.faults],
        "log_id": device.log_id, "new_log": report.new_log,
        "key_changes": [{"what": what, "host_id": host or None, "b": b}
                        for what, host, b in report.key_changes],
        "setting_changes": [{"id": i, "value": v} for i, v in report.setting_changes],
    }


def something_new(report: SyncReport) -> bool:
    """Whether the wearer's log grew: not only the clock events every sync itself leaves."""
    return report.minutes > 0 or report.idle_minutes > 0 or report.events > report.clock_events


_SENSOR_WHY = {
    events.SENSOR_NO_ANSWER: "did not answer (the clip kept retrying)",
    events.SENSOR_STUCK: "was stuck on one reading",
    events.SENSOR_IMPLAUSIBLE: "read far from 1 g, as a broken one does",
}


def fault_line(fault: FaultEpisode) -> str:
    """One line for the wearer about a fault the clip logged."""
    if fault.kind == events.STORAGE_FULL:
        return (f"The clip's flash was full at {local_minute(fault.start_utc)}: it dropped its oldest "
                "records to keep logging.")
    why = _SENSOR_WHY.get(fault.cause, f"failed (cause {fault.cause})")
    span = "and still did at the end" if fault.minutes is None else f"for {fault.minutes} min"
    return f"The clip's accelerometer {why} from {local_minute(fault.start_utc)} {span}."



def setting_name(setting_id: int) -> str:
    try:
        return str(entry_by_id(setting_id)[1])
    except KeyError:
        return f"setting {setting_id}"


def print_changes(report: SyncReport, mine: bytes | None) -> None:
    """Key and setting changes on the clip since the last sync: said loudly, since a stranger
    who paired could have made them."""
    for what, host, b in report.key_changes:
        if what == "paired":
            who = "THIS computer" if mine is not None and host == mine.hex() else \
                f"computer {host}"
            via = {1: "over USB", 2: "over Bluetooth"}.get(b, "")
            print(f"  ATTENTION: {who} was paired with the clip {via} since the last sync; "
                  "if that was not you, run 'unsit forget --all --port PATH' over USB.")
        elif host:
            print(f"  ATTENTION: the clip forgot computer {host} ({b} computer(s) still "
                  "paired).")
        else:
            print("  ATTENTION: the clip's pairings were reset: every computer was forgotten.")
    for setting_id, value in report.setting_changes:
        print(f"  ATTENTION: setting {setting_name(setting_id)} was changed to {value} on the "
              "clip since the last sync.")


def print_report(report: SyncReport, via: str = "USB") -> None:
    device = report.device
    print(f"Synced {device.name} (id {device.device_id}, firmware {device.firmware}) "
          f"over {via} in {report.seconds:.1f} s.")
    if something_new(report):
        print(f"  {report.new} new records: {report.minutes} minutes, {report.events} events, "
              f"{report.idle_minutes} unworn minutes in runs.")
        if report.first_utc is not None:
            print(f"  From {local_minute(report.first_utc)} to {local_minute(report.last_utc)} (local time).")
    elif report.previous_sync_utc is not None:
        print(f"  Nothing new since {local_minute(report.previous_sync_utc)}.")
    else:
        print("  Nothing new: the clip has logged nothing yet.")
    if report.dropped_new:
        in_all = f" ({device.dropped} in all)" if device.dropped != report.dropped_new else ""
        print(f"  The clip dropped {report.dropped_new} records it had no room for{in_all}.")
    if report.missing and report.missing != report.dropped_new:
        print(f"  {report.missing} records were no longer on the clip when asked for.")
    if report.corrupt:
        print(f"  {report.corrupt} damaged records were skipped.")
    for fault in report.faults:
        print(f"  {fault_line(fault)}")
    if report.new_log:
        print(f"  ATTENTION: a new log was found on the clip (log {device.log_id}): it was "
              "erased, reinstalled or replaced. The old log stays in the store; the new one "
              "is stored beside it in full.")
    try:
        mine = KeyRing().known_host_id()
    except UnsitError:
        mine = None   # a damaged key file is reported by the commands that need it
    print_changes(report, mine)
    for note in report.notes:
        if not note.startswith("a new log was found"):
            print(f"  Note: {note}.")
    if report.estimated:
        print(f"  {report.estimated} records were placed in time by an estimate (a boot that "
              "ended before the clock was set; up to about 10 min late).")
    if report.unplaced:
        print(f"  {report.unplaced} records cannot be placed in time yet (written before the "
              "clip's clock was set; the next sync places them).")
    for why, n in report.unplaceable_why.items():
        print(f"  {n} records cannot be placed in time: {UNPLACEABLE_WHY[why]}.")
    if report.clock_before is None:
        print("  The clip's clock had never been set; it is set now.")
    else:
        drift = report.clock_before - report.clock_set_to
        if abs(drift) >= 2:
            print(f"  The clip's clock was {human_duration(drift)} "
                  f"{'ahead' if drift > 0 else 'behind'}; corrected.")
    if device.battery_mv is not None:
        print(f"  Battery {device.battery_mv} mV{' (charging)' if device.charging else ''}.")
