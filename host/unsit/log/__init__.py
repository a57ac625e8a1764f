"""The log domain on the host: records as the device wrote them, and what they mean.

- :mod:`unsit.log.records`: the decoded record types, decoding with the firmware's own code,
  the clock links that records and hellos give.
- :mod:`unsit.log.placement`: placing records in UTC, as pure functions over records (the
  store only stores what they decide; docs/sync.md, "Placing records in time").
- :mod:`unsit.log.reminders`: what became of each reminder (heeded, snoozed or ignored), the
  one answer that review, the simulator and the demo all give.

Nothing here touches a database: ``unsit.store`` imports this package, never the reverse.
"""
