"""Run by test_recording_fuzz in a child process: damaged recordings fed to `read_recording`.

Usage: ``python fuzz_recording.py FOLDER EXAMPLES``. Each hypothesis test mutates a
real recording (the FitzHugh-Nagumo cable, a block per frame) and asserts that
reading it either raises `SceneError` naming the file, or returns a Recording;
for damage a disk or a copy can do (cuts, flipped bits, repeated blocks,
garbage) the updates read must be exactly the first ones written. Prints the
number of cases per category and outcome as JSON on the last line.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compneurovis.core import Recorder, ReplaySession, SceneError, SceneReady, read_recording
from compneurovis.core import _recording_format as fmt
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

folder, examples = Path(sys.argv[1]), int(sys.argv[2])
source = folder / "source.cnvrec"
target = folder / "damaged.cnvrec"
session = FitzHughNagumoCable(history_capture_mode="full")
written = []
with Recorder(source, flush_interval=0.0) as recorder:
    recorder.write_updates([SceneReady(scene=session.initialize())])
    for _ in range(15):
        session.advance()
        updates = session.read_updates()
        recorder.write_updates(updates)
        written += updates
DATA = source.read_bytes()
BLOCKS, _ = fmt.split_blocks(memoryview(DATA))
SPANS = [(pos, pos + fmt.BLOCK.size + len(payload)) for pos, payload in BLOCKS]
#: An offset anywhere, or (as often) past the Scene block, where a partial read is possible.
OFFSET = st.one_of(st.integers(0, len(DATA) - 1), st.integers(SPANS[1][0], len(DATA) - 1))
counts: Counter[str] = Counter()
fuzz = settings(max_examples=examples, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def outcome(category: str, data: bytes, *, prefix: bool) -> None:
    """Read ``data`` back: the documented error, or a Recording (a prefix of what was written if ``prefix``)."""
    target.write_bytes(data)
    try:
        recording = read_recording(target)
    except SceneError as exc:
        assert str(exc).startswith(f"{target}: "), exc
        counts[f"{category}: SceneError"] += 1
        return
    counts[f"{category}: read"] += 1
    try:
        ReplaySession.from_recording(target)  # what `compneurovis` replays and renders from
    except SceneError as exc:
        assert str(exc).startswith(f"{target}: "), exc
    if prefix:
        assert len(recording.updates) <= len(written)
        for got, want in zip(recording.updates, written, strict=False):
            assert type(got) is type(want)
            np.testing.assert_array_equal(getattr(got, "values", None), getattr(want, "values", None))


@fuzz
@given(OFFSET)
def truncated(size: int) -> None:
    outcome("truncated", DATA[:size], prefix=True)


@fuzz
@given(st.lists(st.tuples(OFFSET, st.integers(0, 7)), min_size=1, max_size=8))
def bit_flips(bits: list[tuple[int, int]]) -> None:
    data = bytearray(DATA)
    for offset, bit in bits:
        data[offset] ^= 1 << bit
    outcome("bit flips", bytes(data), prefix=True)


@fuzz
@given(st.integers(0, len(SPANS) - 1), st.integers(0, len(SPANS)))
def block_repeated(which: int, where: int) -> None:
    start, end = SPANS[which]
    at = SPANS[where][0] if where < len(SPANS) else len(DATA)
    outcome("block repeated", DATA[:at] + DATA[start:end] + DATA[at:], prefix=True)


@fuzz
@given(st.binary(min_size=1, max_size=4096), OFFSET, st.booleans())
def garbage(junk: bytes, where: int, replace: bool) -> None:
    if replace:  # the bytes at ``where`` overwritten
        data = DATA[:where] + junk + DATA[where + len(junk):]
    else:  # inserted
        data = DATA[:where] + junk + DATA[where:]
    outcome("garbage", data, prefix=True)
    outcome("garbage file", junk, prefix=False)


@fuzz
@given(st.integers(0, len(BLOCKS) - 1), st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255)),
                                                 min_size=1, max_size=6))
def crafted_block(which: int, writes: list[tuple[int, int]]) -> None:
    """A block altered and given a valid checksum again (what no disk does: only the codec stands guard)."""
    pos, payload = BLOCKS[which]
    altered = bytearray(payload)
    for offset, value in writes:
        altered[offset % len(altered)] = value
    block = fmt.block([bytes(altered)]) + bytes(altered)
    outcome("crafted block", DATA[:pos] + block + DATA[SPANS[which][1]:], prefix=False)


_DTYPES = ["<f4", "<f8", "<i4", "|u1", "|b1", "<c8", "<U3", "|S2"]


@fuzz
@given(st.lists(st.integers(0, 120), max_size=3), st.sampled_from(_DTYPES), st.integers(-2, 3),
       st.sampled_from(["segment_display", "segment_history", "nope"]), st.booleans())
def wrong_shapes(shape: list[int], dtype: str, seq: int, field: str, inline_or_raw: bool) -> None:
    """A checksum-valid data block whose display frame has any shape, dtype, position and field."""
    raws: list[np.ndarray] = []
    values = np.zeros((1, *shape), dtype)
    ref = fmt.raw(values, raws) if inline_or_raw else values
    payload = fmt.pack({"kind": "data", "start": 0, "end": 1, "appends": [],
                        "frames": [{"field": field, "values": ref, "seq": np.array([seq], np.int64),
                                    "sim_time": np.zeros(1)}],
                        "log": {"bytes": np.zeros(0, np.uint8), "offsets": np.zeros(1, np.int64),
                                "seq": np.zeros(0, np.int64), "sim_time": np.zeros(0), "wall_time": np.zeros(0)},
                        "events": {"wall_time": np.zeros(0), "sim_time": np.zeros(0), "kind": [], "detail": []}},
                       raws)
    outcome("wrong shapes", DATA[:SPANS[1][0]] + fmt.block(payload) + b"".join(payload), prefix=False)


for test in (truncated, bit_flips, block_repeated, garbage, crafted_block, wrong_shapes):
    test()
print(json.dumps(dict(sorted(counts.items()))))
