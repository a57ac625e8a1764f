"""``unsit settings [NAME | --port PATH] [--json] [KEY=VALUE ...]``: show or change the clip's
settings (sitting limit, breaks, repeats, snooze, quiet hours, days, motor strength,
reminders on/off).

Without ``KEY=VALUE`` every setting is shown with its value, unit, default and allowed range.
With them, all are checked first (one clear line and exit 2 on a bad key or value, nothing
sent), then sent, read back, and what changed is shown. The clip logs each change (old ->
new), so the report marks the day it happened. Keys: ``unsit.clip_settings.KEYS``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from unsit import clip_settings
from unsit.errors import UnsitError
from unsit.links.client import DeviceError
from unsit.links.clip import Clip, open_clip
from unsit_firmware.logic import protocol
from unsit_firmware.logic.settings import entry_by_id

NAME = "settings"
HELP = "Show the clip's settings, or change them with KEY=VALUE (e.g. sit_limit_min=45)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("items", nargs="*", metavar="[NAME] KEY=VALUE",
                        help="a paired clip's name first (over Bluetooth; default: the clip on "
                        "USB, else the only paired clip), then settings to change: "
                        + ", ".join(k.key for k in clip_settings.KEYS if k.settable))
    parser.add_argument("--port", metavar="PATH",
                        help="over USB: the clip's serial port, e.g. /dev/ttyACM0 or COM3, "
                        "or 'auto' to find it")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def split_items(items: list[str]) -> tuple[str | None, list[str]]:
    """The clip's name (an item without '=' before any assignment) and the assignments."""
    name = None
    assignments = []
    for i, item in enumerate(items):
        if "=" in item:
            assignments.append(item)
        elif i == 0 and item.lower() not in clip_settings.BY_KEY:
            name = item
        else:
            example = item if item.lower() in clip_settings.BY_KEY else "sit_limit_min"
            raise UnsitError(f"{item!r} is not KEY=VALUE (e.g. {example}=...)", exit_code=2)
    return name, assignments


async def read_values(clip: Clip) -> dict[str, int]:
    """The clip's settings by firmware name (ids it does not know by name are skipped)."""
    values = clip_settings.defaults()
    for setting_id, value in await clip.client.get_settings():
        try:
            values[entry_by_id(setting_id)[1]] = value
        except KeyError:
            continue
    return values


async def change(clip: Clip, wanted: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Send the settings in ``wanted`` that differ; ``(before, after)`` as read back."""
    before = await read_values(clip)
    for name, value in wanted.items():
        if before.get(name) == value:
            continue
        try:
            await clip.client.set_setting(clip_settings.SETTING_ID[name], value)
        except DeviceError as error:
            if error.status in (protocol.OUT_OF_RANGE, protocol.UNKNOWN_SETTING):
                key = clip_settings.key_of_setting(name).key
                raise UnsitError(f"{clip.info.name} refused {key}: {error}") from None
            raise
    return before, await read_values(clip)


def show(values: dict[str, int]) -> None:
    defaults = clip_settings.defaults()
    rows = [("setting", "value", "unit", "default", "allowed")]
    for key in clip_settings.KEYS:
        allowed = key.allowed() if key.settable else "set by unsit sync"
        rows.append((key.key, str(key.value(values)), key.unit, str(key.value(defaults)),
                     allowed))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])


async def run_async(args: argparse.Namespace) -> int:
    name, assignments = split_items(args.items)
    wanted = clip_settings.parse_assignments(assignments)   # all checked before connecting
    async with open_clip(name, args.port) as clip:
        if wanted:
            before, after = await change(clip, wanted)
        else:
            before = after = await read_values(clip)
    changed = clip_settings.changed_keys(before, after)
    if args.json:
        out: dict[str, Any] = {
            "device_id": clip.info.device_id, "name": clip.info.name, "via": clip.via,
            "settings": clip_settings.by_key(after),
            "changed": {key: {"old": old, "new": new} for key, (old, new) in changed.items()},
        }
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"{clip.info.name} (id {clip.info.device_id}, firmware {clip.info.firmware}) "
          f"over {clip.via}:")
    if wanted:
        if changed:
            for key, (old, new) in changed.items():
                print(f"  changed {key}: {old} -> {new}")
        else:
            print("  nothing changed: the clip had these values already")
        print()
    show(after)
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(run_async(args))
