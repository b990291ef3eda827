"""Wire names are declared, stable and independent of Python class names; versions are checked."""

import dataclasses
import itertools
import struct

import numpy as np
import pytest

from compneurovis.core import (
    PROTOCOL_VERSION,
    DisplayFrame,
    FieldAppend,
    HistoryCaptureMode,
    Reset,
    SceneError,
    StatePatch,
    decode,
    encode,
    register_type,
    wire,
)
from compneurovis.core._codec import decode_recorded
from compneurovis.core._wire import TYPES

#: The protocol-2 wire bytes of one history append: a change here breaks every peer and recording.
GOLDEN_APPEND = (
    b'CNVS\x0f\x01\x00\x00{"protocol":2,"body":{"t":"dc","type":"field_append","v":{"field_id":"h",'
    b'"append_dim":"time","values":{"t":"nd","b":0,"dtype":"<f4","shape":[2,1]},"coord_values":'
    b'{"t":"nd","b":1,"dtype":"<f8","shape":[2]},"max_length":5,"sim_time":0.2,"produced_at":null}},'
    b'"sizes":[8,16]}'
    + np.array([1.0, 2.0], "<f4").tobytes() + np.array([0.1, 0.2], "<f8").tobytes()
)


def test_a_history_append_encodes_to_the_golden_bytes():
    update = FieldAppend(field_id="h", append_dim="time", values=np.array([[1.0], [2.0]], np.float32),
                         coord_values=np.array([0.1, 0.2]), max_length=5, sim_time=0.2)
    assert PROTOCOL_VERSION == 2
    assert encode(update) == GOLDEN_APPEND
    back = decode(GOLDEN_APPEND)
    assert type(back) is FieldAppend and back.values.shape == (2, 1) and back.max_length == 5


def test_every_builtin_type_has_a_declared_snake_case_name():
    from compneurovis.core import _codec  # noqa: F401 - registers every built-in type

    builtin = {name: cls for name, cls in TYPES.items() if cls.__module__.startswith("compneurovis.core.")}
    assert len(builtin) >= 32
    for name, cls in builtin.items():
        assert name.islower() and name != cls.__name__, (name, cls)
    assert TYPES["display_frame"] is DisplayFrame


def test_renaming_a_class_keeps_its_wire_bytes():
    @wire("test.probe")
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Probe:
        x: int
        y: tuple = ()

    before = encode(StatePatch(values={"p": Probe(x=1, y=(2, 3))}))
    Probe.__name__ = Probe.__qualname__ = "RenamedProbe"
    after = encode(StatePatch(values={"p": Probe(x=1, y=(2, 3))}))
    assert after == before and b"RenamedProbe" not in after and b"test.probe" in after
    assert decode(before).values["p"] == Probe(x=1, y=(2, 3))


def test_wire_names_are_checked():
    with pytest.raises(ValueError, match="already registered"):
        wire("field_append")(dataclasses.make_dataclass("Other", ["a"]))
    with pytest.raises(ValueError, match="must be 1-100 characters"):
        wire("has space")
    with pytest.raises(TypeError, match="neither a dataclass nor an Enum"):
        wire("test.not_a_dataclass")(int)
    legacy = register_type(dataclasses.make_dataclass("LegacyProbe", ["a"]))
    assert decode(encode(StatePatch(values={"p": legacy(a=1)}))).values["p"] == legacy(a=1)


def _with_version(message: bytes, version: object) -> bytes:
    (length,) = struct.unpack_from("<I", message, 4)
    header = message[8:8 + length].replace(f'"protocol":{PROTOCOL_VERSION}'.encode(),
                                           f'"protocol":{version}'.encode())
    return b"CNVS" + struct.pack("<I", len(header)) + header + message[8 + length:]


def test_messages_of_another_version_are_refused_clearly():
    message = encode(DisplayFrame(field_id="d", values=np.zeros(3, np.float32)))
    for version in (1, 3, "true", '"2"'):
        with pytest.raises(SceneError, match=r"protocol version .* this CompNeuroVis speaks 2"):
            decode(_with_version(message, version))


def test_protocol_1_messages_of_recordings_decode_under_their_old_names():
    v2 = encode(StatePatch(values={"mode": HistoryCaptureMode.FULL}))
    v1 = _with_version(v2, 1).replace(b'"state_patch"', b'"StatePatch"').replace(
        b'"history_capture_mode"', b'"HistoryCaptureMode"')
    v1 = b"CNVS" + struct.pack("<I", len(v1) - 8) + v1[8:]
    assert decode_recorded(v1, 1) == StatePatch(values={"mode": HistoryCaptureMode.FULL})
    with pytest.raises(SceneError):
        decode(v1)
    with pytest.raises(SceneError, match="speaks 2"):
        decode_recorded(_with_version(v2, 0), 0)


def _as_protocol_1(message: bytes) -> bytes:
    """``message`` as protocol 1 wrote it: version 1, Python class names as wire names."""
    from compneurovis.core._codec import _V1_NAMES

    (length,) = struct.unpack_from("<I", message, 4)
    header = message[8:8 + length].replace(b'"protocol":2', b'"protocol":1')
    for old, new in _V1_NAMES.items():
        header = header.replace(f'"type":"{new}"'.encode(), f'"type":"{old}"'.encode())
    return b"CNVS" + struct.pack("<I", len(header)) + header + message[8 + length:]


def test_a_protocol_1_recording_opens_and_replays_the_same(tmp_path):
    h5py = pytest.importorskip("h5py")
    from compneurovis.core import Recorder, SceneReady, read_recording
    from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

    session = FitzHughNagumoCable()
    path = tmp_path / "run.h5"
    with Recorder(path) as recorder:
        recorder.write_updates([SceneReady(scene=session.initialize())])
        for _ in range(5):
            session.advance()
            recorder.write_updates(session.read_updates())
        session.handle(Reset())
        recorder.write_updates(session.read_updates())
    new = read_recording(path)
    with h5py.File(path, "r+") as f:  # rewrite it as protocol 1 wrote it
        f.attrs["protocol_version"] = 1
        scene = _as_protocol_1(f["scene"][()].tobytes())
        del f["scene"]
        f.create_dataset("scene", data=np.frombuffer(scene, np.uint8))
        data, offsets = f["log/bytes"][()], f["log/offsets"][()]
        messages = [_as_protocol_1(data[a:b].tobytes()) for a, b in itertools.pairwise(offsets)]
        f["log/offsets"][...] = np.concatenate([[0], np.cumsum([len(m) for m in messages])])
        del f["log/bytes"]
        f.create_dataset("log/bytes", data=np.frombuffer(b"".join(messages), np.uint8))
        assert b"FieldReplace" in b"".join(messages) and b"MorphologyGeometry" in scene
    old = read_recording(path)
    assert [type(u) for u in old.updates] == [type(u) for u in new.updates]
    assert sum(isinstance(u, DisplayFrame) for u in old.updates) == 6  # 5 frames and the reset
    for a, b in zip(old.updates, new.updates, strict=True):
        np.testing.assert_array_equal(getattr(a, "values", 0), getattr(b, "values", 0))
    with h5py.File(path, "r+") as f:
        f.attrs["protocol_version"] = 7
    with pytest.raises(SceneError, match=r"run\.h5: recording format 2 / protocol 7 is not readable"):
        read_recording(path)
