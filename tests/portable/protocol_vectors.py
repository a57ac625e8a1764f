"""Checks docs/protocol-vectors.json against a frame/protocol/records implementation.

Shared by tests/portable/test_protocol.py (firmware logic on CPython and MicroPython, imported
as ``logic.*``) and tests/test_protocol_vectors.py (the host's ``unsit_firmware.logic.*``).
"""

import json


def vectors_path():
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    return here + "/../../docs/protocol-vectors.json"


def load():
    with open(vectors_path()) as f:
        return json.load(f)


def build(protocol, call):
    """The payload a vector's ``call`` describes, made with ``protocol``'s packers."""
    name = call[0]
    P = protocol
    if name == "hello_request":
        return P.hello_request(call[1], call[2])
    if name == "info":
        i = call[2]
        return P.pack_response(P.HELLO, call[1], P.OK, P.pack_info(
            i["protocol"], (i["fw_major"], i["fw_minor"], i["fw_patch"]), i["device_id"],
            i["first_seq"], i["next_seq"], i["acked"], i["dropped"], i["clock"],
            i["utc_offset_min"], i["uptime_s"], i["boot"], i["battery_mv"],
            i["flags"] & ~P.INFO_CLOCK_SET, i["max_read"], i["log_id"]))
    if name == "set_time_request":
        return P.set_time_request(call[1], call[2], call[3])
    if name == "set_time":
        return P.pack_response(P.SET_TIME, call[1], P.OK, P.pack_set_time(call[2]))
    if name == "read_request":
        return P.read_request(call[1], call[2], call[3])
    if name == "ack_request":
        return P.ack_request(call[1], call[2])
    if name == "ack":
        return P.pack_response(P.ACK, call[1], P.OK, P.pack_ack(call[2]))
    if name == "get_settings_request":
        return P.get_settings_request(call[1], call[2])
    if name == "set_setting_request":
        return P.set_setting_request(call[1], call[2], call[3])
    if name == "range_error":
        return P.pack_response(P.SET_SETTING, call[1], P.OUT_OF_RANGE,
                               P.pack_range_error(call[2], call[3]))
    if name == "status_request":
        return P.status_request(call[1])
    if name == "status":
        return P.pack_response(P.STATUS, call[1], P.OK, P.pack_status(call[2], call[3], call[4]))
    if name == "status2":
        v = call[2]
        return P.pack_response(P.STATUS, call[1], P.OK, P.pack_status(
            v["state"], v["minutes_sat"], v["snooze_min_left"]) + P.pack_status_extra(
            v["flags"], v["battery_mv"], v["log_records"], v["log_capacity"], v["unsynced"],
            v["appended"], v["over_s"], v["paired"], v["board"], v["runtime"]))
    if name == "buzz_request":
        return P.buzz_request(call[1], call[2])
    if name == "buzz":
        return P.pack_response(P.BUZZ, call[1], P.OK, P.pack_buzz(call[2], call[3], call[4]))
    if name == "error":
        return P.pack_response(call[1], call[2], call[3])
    if name == "forget_request":
        return P.forget_request(call[1], bytes.fromhex(call[2]))
    if name == "forget":
        return P.pack_response(P.FORGET, call[1], P.OK, P.pack_forget(call[2], call[3]))
    if name == "forget_all_request":
        return P.forget_all_request(call[1])
    if name == "forget_all":
        return P.pack_response(P.FORGET_ALL, call[1], P.OK, P.pack_forget_all(call[2]))
    return None


def check_records(records, vectors):
    for vector in vectors["records"]:
        data = bytes.fromhex(vector["hex"])
        seq, kind, t, uptime, values = records.unpack(data)
        assert (seq, kind, t, uptime) == (
            vector["seq"], vector["kind"], vector["t"], vector["uptime"]), vector["name"]
        assert list(values) == vector["values"], vector["name"]
        if kind == records.MINUTE:
            again = records.pack_minute(seq, t, uptime, values[:5], values[5])
        else:
            b = values[1] if len(values) > 1 else 0
            again = records.pack_event(seq, t, uptime, kind, values[0], b)
        assert again == data, vector["name"]
    return len(vectors["records"])


def check_frames(frame, protocol, records, vectors):
    checked = 0
    for vector in vectors["frames"]:
        payload = bytes.fromhex(vector["payload"])
        wire = bytes.fromhex(vector["frame"])
        assert frame.encode(payload) == wire, vector["name"]
        assert frame.Decoder().feed(wire) == [payload], vector["name"]
        call = vector["call"]
        built = build(protocol, call)
        if built is not None:
            assert bytes(built) == payload, vector["name"]
        name = call[0]
        if name in ("info", "info_v1"):
            cmd, tag, status, body = protocol.unpack_response(payload)
            info = protocol.unpack_info(body)
            for key in call[2]:
                assert info[key] == call[2][key], key
        elif name == "read":
            cmd, tag, status, body = protocol.unpack_response(payload)
            start, count, next_seq, data = protocol.unpack_read(body)
            assert (cmd, tag, status, start, count, next_seq) == (
                protocol.READ, call[1], protocol.OK, call[2], call[3], call[4])
            assert records.unpack(data, 0)[0] == call[2]
            assert records.unpack(data, 16)[0] == call[2] + 1
            expected = bytes.fromhex(vectors["records"][0]["hex"] + vectors["records"][1]["hex"])
            assert data == expected
            assert bytes(protocol.pack_response(protocol.READ, call[1], protocol.OK,
                                                protocol.pack_read(start, data, next_seq))) \
                == payload
        elif name == "status":
            status = protocol.unpack_status(protocol.unpack_response(payload)[3])
            assert (status["state"], status["minutes_sat"], status["snooze_min_left"]) == \
                (call[2], call[3], call[4])
        elif name == "status2":
            status = protocol.unpack_status(protocol.unpack_response(payload)[3])
            assert status == call[2], vector["name"]
        elif name == "buzz":
            assert tuple(protocol.unpack_buzz(protocol.unpack_response(payload)[3])) == \
                tuple(call[2:]), vector["name"]
        elif name == "buzz_request":
            cmd, tag, body = protocol.unpack_request(payload)
            assert (cmd, tag) == (protocol.BUZZ, call[1])
            assert protocol.unpack_buzz_request(body) == call[2]
        elif name == "range_error":
            cmd, tag, status, body = protocol.unpack_response(payload)
            assert status == protocol.OUT_OF_RANGE
            assert tuple(protocol.unpack_range_error(body)) == (call[2], call[3])
        elif name == "set_time":
            assert protocol.unpack_set_time(protocol.unpack_response(payload)[3]) is None
        elif name == "forget":
            assert tuple(protocol.unpack_forget(protocol.unpack_response(payload)[3])) == \
                (call[2], call[3])
        elif name == "forget_all":
            assert protocol.unpack_forget_all(protocol.unpack_response(payload)[3]) == call[2]
        elif name == "forget_request":
            cmd, tag, body = protocol.unpack_request(payload)
            assert (cmd, tag) == (protocol.FORGET, call[1])
            assert protocol.unpack_forget_request(body) == bytes.fromhex(call[2])
        elif name.endswith("_request"):
            cmd, tag, body = protocol.unpack_request(payload)
            assert tag == call[1]
        checked += 1
    return checked
