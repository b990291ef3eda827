"""Wire names are declared, stable and independent of Python class names; versions are checked."""

import dataclasses
import struct

import numpy as np
import pytest

from compneurovis.core import (
    PROTOCOL_VERSION,
    DisplayFrame,
    FieldAppend,
    SceneError,
    StatePatch,
    decode,
    encode,
    register_type,
    wire,
)
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
