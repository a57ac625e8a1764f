"""What the app keeps on flash across a reset: the wearer's settings and the coaching state.

``settings.txt`` in the storage folder holds one ``name value`` line per setting that differs
from its default (readable with ``mpremote cat``; the simulator writes it to configure a run).
A line that names no setting or fails validation is ignored: a damaged file can never stop the
clip from starting, it only brings back a default.

``coach.bin`` and ``detector.bin`` hold the saved coach and detector (their ``save()``
bytes), each written to ``.new`` and renamed over the old one, so a cut mid-write leaves the
previous copy; ``app.device`` restores them at boot (docs/architecture.md, "Across a reset").
"""

SETTINGS_FILE = "/settings.txt"
STATE_FILE = "/coach.bin"
DETECTOR_FILE = "/detector.bin"


def load_state(storage_dir):
    """``(detector bytes, coach bytes)`` as saved, each None when there is no file."""
    return _read(storage_dir + DETECTOR_FILE), _read(storage_dir + STATE_FILE)


def save_state(storage_dir, detector, coach):
    """Save ``detector`` and ``coach`` (objects with ``save() -> bytes``); raises OSError when
    the file system cannot take them."""
    _write(storage_dir + DETECTOR_FILE, detector.save())
    _write(storage_dir + STATE_FILE, coach.save())


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _write(path, data):
    with open(path + ".new", "wb") as f:
        f.write(data)
    replace(path + ".new", path)


def load_settings(settings, storage_dir):
    """Apply the saved settings to ``settings``; returns how many were applied."""
    applied = 0
    try:
        f = open(storage_dir + SETTINGS_FILE)
    except OSError:
        return 0
    with f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            try:
                settings.set(parts[0], int(parts[1]))
                applied += 1
            except ValueError:
                pass
    return applied


def save_settings(settings, storage_dir, defaults):
    """Write the settings that differ from ``defaults`` (a fresh ``Settings()``)."""
    path = storage_dir + SETTINGS_FILE
    with open(path + ".new", "w") as f:
        for name, value in settings.items():
            if value != defaults.get(name):
                f.write("%s %d\n" % (name, value))
    replace(path + ".new", path)


def replace(new_path, path):
    """Move ``new_path`` over ``path`` (LittleFS replaces on rename; FAT needs a remove)."""
    import os

    try:
        os.rename(new_path, path)
    except OSError:
        try:
            os.remove(path)
        except OSError:
            pass
        os.rename(new_path, path)
