"""Test firmware helper: reports the BLE stack's back-pressure to the test on stdout.

``report(peripheral)`` prints ``@@ENOMEM n`` within 50 ms each time ``n``, the count of
notifications the stack refused for want of buffers (``OSError(ENOMEM)`` from
``gatts_notify``, each retried by ``hw.ble_peripheral``), changes.
"""

import asyncio


async def report(peripheral):
    seen = 0
    while True:
        await asyncio.sleep_ms(50)
        if peripheral.stats_notify_retries != seen:
            seen = peripheral.stats_notify_retries
            print("@@ENOMEM", seen)
