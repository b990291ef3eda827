"""Fuzz `decode` with hypothesis; run as a child process by test_codec_fuzz.py.

Usage: ``python codec_fuzz_child.py EXAMPLES``. Every case must decode or
raise `SceneError`; anything else prints the input and exits 1. Prints one
JSON line ``{"category": cases, ...}`` on success. Each hypothesis example of
the mutation categories draws a seed and runs ``BATCH`` cases from it, so tens
of thousands of cases fit in seconds.
"""

from __future__ import annotations

import json
import struct
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compneurovis.core import (
    ControlSpec,
    DisplayFrame,
    Field,
    FieldAppend,
    FieldReplace,
    MorphologySceneBuilder,
    PanelPatch,
    ScalarValueSpec,
    Scene,
    SceneError,
    ScenePatch,
    SceneReady,
    SetControl,
    StatePatch,
    Status,
    decode,
    encode,
)
from compneurovis.core._codec import MAGIC
from compneurovis.core._protocol import UPDATE_TYPES

BATCH = 40
COUNTS: dict[str, int] = {}


def _scene() -> Scene:
    from conftest import line_geometry

    scene = MorphologySceneBuilder.build_scene(
        geometry=line_geometry(), display_values=np.zeros(5), trace_values=np.zeros((2, 1)),
        trace_segment_ids=np.array(["cell.dend[0]"]), trace_times=np.array([0.0, 0.1]), display_unit="mV")
    scene.controls["x"] = ControlSpec(id="x", label="X", value_spec=ScalarValueSpec(default=0, min=0, max=1))
    scene.state["x"] = 0
    return scene


def _corpus() -> list[bytes]:
    from conftest import line_geometry

    geometry = line_geometry()
    scene = MorphologySceneBuilder.build_scene(
        geometry=geometry, display_values=np.zeros(5), trace_values=np.zeros((2, 1)),
        trace_segment_ids=np.array(["cell.dend[0]"]), trace_times=np.array([0.0, 0.1]), display_unit="mV")
    scene.fields["s"] = Field("s", np.arange(6.0).reshape(2, 3), ("x", "y"), attrs={"a": [1, "b"]})
    return [encode(m) for m in (
        SceneReady(scene=scene),
        DisplayFrame(field_id="segment_display", values=np.arange(5, dtype=np.float32), sim_time=1.0),
        FieldAppend(field_id="segment_history", append_dim="time", values=np.ones((3, 1), np.float32),
                    coord_values=np.array([0.2, 0.3, 0.4]), max_length=10),
        FieldReplace(field_id="segment_history", values=np.ones((2, 1), np.float32),
                     coords={"time": np.array([0.0, 0.1]), "segment": np.array(["cell.dend[0]"])}),
        ScenePatch(views={"trace": {"rolling_window": 5.0}}), StatePatch(values={"a": (1, 2)}),
        SetControl(control_id="x", value="y"), StatePatch(values={"x": 0.5}),
        PanelPatch(panel_id="trace", changes={"visible": False}), Status(message="s", sim_time=1.0),
    )]


CORPUS = _corpus()


def _check(category: str, message: bytes) -> None:
    """Decode ``message``; an update that decodes is applied to a fresh Scene: only `SceneError` may escape."""
    COUNTS[category] = COUNTS.get(category, 0) + 1
    try:
        update = decode(message)
        if type(update) in UPDATE_TYPES and not isinstance(update, SceneReady):
            COUNTS["applied to a Scene"] = COUNTS.get("applied to a Scene", 0) + 1
            _scene().apply(update)
    except SceneError:
        pass
    except BaseException as exc:  # noqa: BLE001 - the point of the fuzz test
        print(f"{category}: {type(exc).__name__}: {exc}\ninput: {message[:2000]!r}", file=sys.stderr)
        sys.exit(1)


def _frame(header: object, tail: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<4sI", MAGIC, len(raw)) + raw + tail


def _split(message: bytes) -> tuple[dict, bytes]:
    (length,) = struct.unpack_from("<I", message, 4)
    return json.loads(message[8:8 + length]), message[8 + length:]


WEIRD = [None, True, False, -1, 0, 1, 2, 2**70, -(2**70), 1.5, float("inf"), "", "x", "nd", "dc", "<f4", "|O",
         "O", "V8", "U0", "f4,i4", "<U99999999999", "M8[s]", [], [-1], [2**40, 2**40], [0, 2**62, 2**62], {},
         {"t": "nd"}, {"t": "dc", "type": "scene", "v": {}}, {"t": "enum", "type": "history_capture_mode", "v": 3},
         {"t": "tuple", "v": 3}, {"t": "dict", "v": []}, [[[[[]]]]], "field", "display_frame"]


def _mutate_tree(tree: object, rng: np.random.Generator, depth: int = 0) -> object:
    """Replace one random node of ``tree`` by a weird value (or a deep nest)."""
    if isinstance(tree, dict) and tree and rng.random() < 0.8:
        key = list(tree)[rng.integers(len(tree))]
        out = dict(tree)
        if rng.random() < 0.1:
            del out[key]
        else:
            out[key] = _mutate_tree(tree[key], rng, depth + 1)
        return out
    if isinstance(tree, list) and tree and rng.random() < 0.8:
        k = int(rng.integers(len(tree)))
        return [*tree[:k], _mutate_tree(tree[k], rng, depth + 1), *tree[k + 1:]]
    if rng.random() < 0.05:
        nest: object = []
        for _ in range(int(rng.integers(60, 400))):
            nest = [nest] if rng.random() < 0.5 else {"t": "tuple", "v": [nest]}
        return nest
    return WEIRD[int(rng.integers(len(WEIRD)))]


@settings(max_examples=int(sys.argv[1]) if len(sys.argv) > 1 else 100, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, len(CORPUS) - 1))
def fuzz_mutations(seed: int, which: int) -> None:
    rng = np.random.default_rng(seed)
    message = CORPUS[which]
    header, tail = _split(message)
    for _ in range(BATCH // 4):
        flipped = bytearray(message)
        for _ in range(int(rng.integers(1, 9))):
            bit = int(rng.integers(len(flipped) * 8))
            flipped[bit // 8] ^= 1 << (bit % 8)
        _check("bit flips", bytes(flipped))
        cut = int(rng.integers(len(message)))
        _check("truncation/extension", message[:cut] if rng.random() < 0.7 else message + rng.bytes(cut % 64 + 1))
        mutated = _mutate_tree(header, rng)
        _check("header JSON mutations", _frame(mutated, tail if rng.random() < 0.8 else tail[: len(tail) // 2]))
        _check("garbage", (MAGIC if rng.random() < 0.5 else b"") + rng.bytes(int(rng.integers(0, 200))))
    deep = b'{"protocol":2,"sizes":[],"body":' + b"[" * int(rng.integers(1000, 200_000)) + b"]}"
    _check("garbage", struct.pack("<4sI", MAGIC, len(deep)) + deep)  # beyond json's own recursion limit


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**64) | st.floats() | st.sampled_from(
        ["nd", "dc", "enum", "tuple", "dict", "<f4", "<i8", "|b1", "<U3", "O", "scene", "field", "display_frame",
         "field_append", "history_capture_mode", "full", "values", "t", "v", "b"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["t", "v", "b", "dtype", "shape", "type", "field_id", "values", "id", "dims"]),
        inner, max_size=5),
    max_leaves=20)


@settings(max_examples=int(sys.argv[1]) if len(sys.argv) > 1 else 100, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(body=_json, sizes=st.lists(st.integers(0, 64), max_size=3), protocol=st.sampled_from([2, 1, True, "2"]))
def fuzz_generated_headers(body: object, sizes: list[int], protocol: object) -> None:
    header = {"protocol": protocol, "body": body, "sizes": sizes}
    _check("generated headers", _frame(header, bytes(sum(sizes))))


if __name__ == "__main__":
    fuzz_mutations()
    fuzz_generated_headers()
    print(json.dumps(COUNTS))
