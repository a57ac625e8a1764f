"""Event kinds that the coach and the device report through ``emit(kind, a, b)``.

Each event becomes one log record stamped with the time it happened. ``a`` and ``b`` are
small unsigned integers whose meaning depends on the kind, as listed beside each code.
Codes are part of the log format: never reuse or renumber one.
"""

from .compat import const

REMINDER = const(1)         # a: repeat index (0 = first), b: minutes sat so far
HEEDED = const(2)           # a: seconds from the reminder to getting up, b: repeat index
SNOOZE = const(3)           # a: snooze minutes
BOOT = const(4)             # a: reset cause (see RESET_*), b: firmware build
TIME_SET = const(5)         # a: low 16 bits of the old clock offset, b: UTC offset minutes + 1024
SETTING_CHANGED = const(6)  # a: setting id, b: new value (two's complement in 16 bits)
NOT_WORN = const(7)         # a: seconds still when recognised, b: sitting seconds taken back
CALIBRATION = const(8)      # a: new reference tilt in degrees, b: 1 if the clip moved
DROPPED = const(9)          # a: records dropped (low 16 bits), b: high 16 bits
FAULT = const(10)           # a: task id, b: fault count
REMINDER_SUPPRESSED = const(11)  # a: reason (see SUPPRESSED_*), b: minutes sat
# Written by the log (stamped in UTC) when the clock is first set after records of this boot
# were stamped with uptime: a: uptime seconds at that moment (low 16 bits),
# b: uptime bits 16-23 | (boot & 0xFF) << 8. So UTC - uptime places that boot's records.
CLOCK_LINK = const(12)
# Pairing keys changed (app/ble_service.py, docs/ble.md): the wearer's audit trail of who
# paired and when. A host is named by the first 2 bytes of its 8-byte id read big-endian, so
# "%04x" % a is the start of the host id as `unsit` prints it (keys.json).
PAIRED = const(13)          # a: host id prefix, b: how (PAIRED_USB, PAIRED_BLE)
FORGOTTEN = const(14)       # a: host id prefix, or 0 when every key went, b: keys left
# Written just before the SETTING_CHANGED of the same change, so a change reads old -> new:
# a: setting id | how << 8 (CHANGED_USB, CHANGED_BLE), b: the old value (16-bit two's complement)
SETTING_WAS = const(15)
# A fault the clip cannot mend itself, logged once per episode (not per retry), and its end.
SENSOR_FAULT = const(22)    # a: cause (see SENSOR_*), b: 0
SENSOR_OK = const(23)       # a: the cause that ended, b: minutes it lasted (at most 65535)
STORAGE_FULL = const(24)    # the log or the state could not be written; a, b: 0
# The whole 8-byte host id of the key a PAIRED or FORGOTTEN just before was about, bytes
# 0-3 then 4-7, each as a = bytes 0-1, b = bytes 2-3 read big-endian. A prefix alone could be
# chosen by an attacker to look like the wearer's own computer.
HOST_ID_HIGH = const(18)    # a, b: host id bytes 0-1, 2-3
HOST_ID_LOW = const(19)     # a, b: host id bytes 4-5, 6-7
# A sitting bout ended (logic/bouts.py): a: its sitting seconds (at most 65535), b: how
# (bouts.END_*). The bouts the clip counted, for comparing with the review's.
BOUT_END = const(30)

RESET_POWER_ON = const(1)
RESET_HARD = const(2)
RESET_WATCHDOG = const(3)
RESET_DEEPSLEEP = const(4)
RESET_SOFT = const(5)

SUPPRESSED_QUIET = const(1)
SUPPRESSED_SNOOZE = const(2)
SUPPRESSED_SCHEDULE = const(3)
SUPPRESSED_CHARGING = const(4)

PAIRED_USB = const(1)
PAIRED_BLE = const(2)

CHANGED_USB = const(1)
CHANGED_BLE = const(2)
SENSOR_NO_ANSWER = const(1)     # no accelerometer, or its bus transfers fail
SENSOR_STUCK = const(2)         # logic.sensor_check.STUCK
SENSOR_IMPLAUSIBLE = const(3)   # logic.sensor_check.IMPLAUSIBLE

NAMES = {
    REMINDER: "reminder",
    HEEDED: "heeded",
    SNOOZE: "snooze",
    BOOT: "boot",
    TIME_SET: "time_set",
    SETTING_CHANGED: "setting_changed",
    NOT_WORN: "not_worn",
    CALIBRATION: "calibration",
    DROPPED: "dropped",
    FAULT: "fault",
    REMINDER_SUPPRESSED: "reminder_suppressed",
    CLOCK_LINK: "clock_link",
    PAIRED: "paired",
    FORGOTTEN: "forgotten",
    SETTING_WAS: "setting_was",
    SENSOR_FAULT: "sensor_fault",
    SENSOR_OK: "sensor_ok",
    STORAGE_FULL: "storage_full",
    HOST_ID_HIGH: "host_id_high",
    HOST_ID_LOW: "host_id_low",
    BOUT_END: "bout_end",
}
