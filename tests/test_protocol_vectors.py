"""The host's import of the codec (``unsit_firmware.logic``) reproduces the documented vectors."""

from __future__ import annotations

import json
from pathlib import Path

import protocol_vectors  # tests/portable, on sys.path through tests/conftest.py

from unsit_firmware.logic import frame, protocol, records

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_vectors_file_is_the_one_the_docs_name() -> None:
    text = (DOCS / "protocol.md").read_text()
    assert "protocol-vectors.json" in text
    vectors = json.loads((DOCS / "protocol-vectors.json").read_text())
    for vector in vectors["frames"]:
        assert vector["frame"].startswith("00") and vector["frame"].endswith("00")


def test_host_codec_matches_vectors() -> None:
    vectors = protocol_vectors.load()
    assert protocol_vectors.check_records(records, vectors) == 6
    assert protocol_vectors.check_frames(frame, protocol, records, vectors) == 24


def test_stuffing_example_in_the_docs() -> None:
    text = (DOCS / "protocol.md").read_text()
    payload = bytes([0x55, 0x54, 0x56, 0x45, 0x50, 0x00, 0xFF])
    assert " ".join(f"{b:02x}" for b in payload) in text
    wire = frame.encode(payload)
    assert " ".join(f"{b:02x}" for b in wire) in text
