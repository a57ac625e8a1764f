"""``unsit buzz [NAME | --port PATH] [--pattern reminder|repeat|pairing]``: feel the motor now,
to check a build or to choose a strength (``unsit settings motor_strength=N``)."""

from __future__ import annotations

import argparse
import asyncio

from unsit.links.client import require_version
from unsit.links.clip import add_clip_arguments, open_clip
from unsit_firmware.logic import patterns, protocol

NAME = "buzz"
HELP = "Play a vibration pattern on the clip now (check the motor, choose a strength)."

# the wearer's names for the patterns (logic/patterns.py): a first reminder, the firmest
# repeat, the pairing window's ticks
PATTERNS = {"reminder": patterns.REMINDER_1, "repeat": patterns.REMINDER_4,
            "pairing": patterns.PAIRING_OPEN}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_clip_arguments(parser)
    parser.add_argument("--pattern", choices=tuple(PATTERNS), default="reminder",
                        help="what to feel: a first reminder (default), the firmest repeat, "
                        "or the pairing window's ticks")


async def run_async(args: argparse.Namespace) -> int:
    async with open_clip(args.name, args.port) as clip:
        require_version(clip.info, "BUZZ", protocol.SINCE[protocol.BUZZ])
        pattern, strength, duration_ms = await clip.client.buzz(PATTERNS[args.pattern])
    print(f"{clip.info.name} plays the {args.pattern} pattern ({duration_ms} ms) at motor "
          f"strength {strength} %.")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(run_async(args))
