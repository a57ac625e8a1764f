"""The host's import of the codec (``unsit_firmware.logic``) reproduces the documented vectors."""

from __future__ import annotations

import json
from pathlib import Path

import doc_codec
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


def test_vectors_agree_with_an_encoder_written_from_the_doc() -> None:
    """Every vector is what tests/doc_codec.py, written from docs/protocol.md and sharing no
    code with the firmware, makes of it: the firmware's codec above is checked against
    bytes it did not produce."""
    vectors = protocol_vectors.load()
    made = [doc_codec.record(vector) for vector in vectors["records"]]
    assert [m.hex() for m in made] == [vector["hex"] for vector in vectors["records"]]
    for vector in vectors["frames"]:
        payload = bytes.fromhex(vector["payload"])
        assert doc_codec.frame(payload).hex() == vector["frame"], vector["name"]
        built = doc_codec.payload(vector["call"], made)
        if vector["call"][0] != "raw":
            assert built is not None and built.hex() == vector["payload"], vector["name"]


def test_firmware_encoders_agree_with_the_doc_beyond_the_vectors() -> None:
    assert doc_codec.crc16(b"123456789") == 0x29B1  # CRC-16/CCITT-FALSE's check value
    for payload in (b"", bytes(range(256)), bytes([0x55, 0x45, 0x10]) * 9):
        assert doc_codec.frame(payload) == frame.encode(payload)
    for seq, t, uptime in ((1, 1767225600, False), (0xFFFFFFFF, 7 << 24 | 90, True)):
        seconds, steps = [60, 0, 33, 1, 2], 1023
        assert doc_codec.minute_record(seq, t, uptime, seconds, steps) == \
            records.pack_minute(seq, t, uptime, seconds, steps)
        assert doc_codec.event_record(seq, t, uptime, 15, 0x1FF, 0xFFFF) == \
            records.pack_event(seq, t, uptime, 15, 0x1FF, 0xFFFF)
