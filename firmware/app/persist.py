"""The wearer's settings on flash, so they survive a reset.

``settings.txt`` in the storage folder holds one ``name value`` line per setting that differs
from its default (readable with ``mpremote cat``; the simulator writes it to configure a run).
A line that names no setting or fails validation is ignored: a damaged file can never stop the
clip from starting, it only brings back a default.
"""

SETTINGS_FILE = "/settings.txt"


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
