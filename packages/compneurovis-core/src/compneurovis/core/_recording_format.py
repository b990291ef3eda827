r"""The recording file (format 3): a header, then self-delimiting, checksummed blocks.

::

    file    = header block*
    header  = b"CNVREC\r\n" | uint32 format version | uint32 protocol version   (16 bytes)
    block   = b"CNVB" | uint64 payload length | uint32 CRC-32 of the payload | payload
    payload = uint64 n | a message of the core codec (`encode`, n bytes) holding a dict | raw arrays

The dict's large arrays (display frames, history rows) follow it raw, in order, so
that they go from the recorder's buffers to the file without a copy; the dict refers
to them as ``{"raw": k, "dtype", "shape"}`` and lists their sizes in ``raw_sizes``.
The dicts::

    {"kind": "scene", "scene": Scene}                 always the first block
    {"kind": "data", "start": s, "end": e,            the updates at stream positions s..e-1:
     "frames":  [{"field", "values" (n, ...), "sim_time" (n,), "seq" (n,)}, ...],
     "appends": [{"field", "append_dim", "axis", "rows" (append dim first), "coord" or None,
                  "count", "max_length" (-1: none), "sim_time", "seq"}, ...],
     "log":     {"bytes", "offsets", "seq", "sim_time", "wall_time"}   other updates, `encode`d,
     "events":  {"wall_time", "sim_time", "kind", "detail" (JSON)}}
    {"kind": "end", "end": e}                         written by `Recorder.close`

All integers are little-endian. The file is only ever appended to, a block at
a time, so a cut-off file (a killed recorder, a full disk, a truncated copy)
is a whole prefix of blocks plus at most one torn block, which the reader
detects by its length and checksum and drops.
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import Any

import numpy as np

from ._codec import decode, encode
from ._protocol import DisplayFrame, SessionUpdate

MAGIC = b"CNVREC\r\n"
FORMAT_VERSION = 3
HEADER = struct.Struct("<8sII")
BLOCK_MAGIC = b"CNVB"
BLOCK = struct.Struct("<4sQI")
META = struct.Struct("<Q")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def is_display_frame(update: SessionUpdate) -> bool:
    """Whether ``update`` is a display frame (the one place the recording decides it)."""
    return type(update) is DisplayFrame


def display_frame(field_id: str, values: np.ndarray, sim_time: float | None) -> SessionUpdate:
    """The display-frame update for one recorded frame (the inverse of `is_display_frame`)."""
    return DisplayFrame(field_id=field_id, values=values, sim_time=sim_time)


def header(protocol_version: int) -> bytes:
    """The 16 bytes every recording starts with."""
    return HEADER.pack(MAGIC, FORMAT_VERSION, protocol_version)


def block(parts: list[Any]) -> bytes:
    """The header of a block whose payload is ``parts`` (bytes-like, in order)."""
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    return BLOCK.pack(BLOCK_MAGIC, sum(len(p) for p in parts), crc)


def raw(array: np.ndarray, raws: list[np.ndarray]) -> dict[str, Any]:
    """Put C-contiguous ``array`` behind the block's dict; the reference to it in the dict."""
    raws.append(array)
    return {"raw": len(raws) - 1, "dtype": array.dtype.str, "shape": list(array.shape)}


def pack(content: dict[str, Any], raws: list[np.ndarray]) -> list[Any]:
    """A block payload as the parts to write: the encoded dict, then the raw arrays (not copied)."""
    meta = encode({**content, "raw_sizes": [r.nbytes for r in raws]})
    return [META.pack(len(meta)), meta, *(memoryview(r).cast("B") if r.nbytes else b"" for r in raws)]


def unpack(payload: memoryview) -> tuple[Any, list[memoryview]]:
    """The dict of a block payload and its raw arrays' bytes (`ValueError` if they do not add up)."""
    (n,) = META.unpack_from(payload)
    content = decode(payload[META.size:META.size + n])
    if not isinstance(content, dict):
        raise ValueError(f"the block holds a {type(content).__name__}, not a dict")
    start, raws = META.size + n, []
    for size in content["raw_sizes"]:
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"raw size {size!r}")
        raws.append(payload[start:start + size])
        start += size
    if start != len(payload):
        raise ValueError(f"the block's parts add up to {start} bytes, it has {len(payload)}")
    return content, raws


def resolve(ref: Any, raws: list[memoryview], name: str) -> np.ndarray:
    """The array ``ref`` (from `raw`) refers to, checked against its bytes."""
    dtype = np.dtype(ref["dtype"])
    shape = tuple(ref["shape"])
    if dtype.kind not in "biufc" or dtype.shape or dtype.names is not None:
        raise ValueError(f"{name} has dtype {dtype}")
    if not all(isinstance(s, int) and s >= 0 for s in shape) or not shape:
        raise ValueError(f"{name} has shape {shape}")
    data = raws[ref["raw"]]
    if math.prod(shape) * dtype.itemsize != len(data):
        raise ValueError(f"{name}: {len(data)} bytes for shape {shape} of {dtype}")
    return np.frombuffer(data, dtype).reshape(shape)


def split_blocks(data: memoryview) -> tuple[list[tuple[int, memoryview]], str | None]:
    """The whole blocks after the file header, and why reading stopped early (``None``: it did not).

    Args:
        data: The file's bytes, header included.

    Returns:
        ``[(byte offset, payload), ...]`` in file order, and a note on the
        damage that ended the list (a torn or corrupted block), if any.
    """
    blocks: list[tuple[int, memoryview]] = []
    pos = HEADER.size
    while pos < len(data):
        rest = len(data) - pos
        where = f"block {len(blocks)} at byte {pos}"
        if rest < BLOCK.size:
            return blocks, f"{where} is cut off ({rest} bytes of its {BLOCK.size}-byte header)"
        magic, length, crc = BLOCK.unpack_from(data, pos)
        if magic != BLOCK_MAGIC:
            return blocks, f"{where}: no block marker (found {bytes(magic)!r}); the file is damaged here"
        end = pos + BLOCK.size + length
        if end > len(data):
            return blocks, f"{where} is cut off ({rest - BLOCK.size} of its {length} bytes are present)"
        payload = data[pos + BLOCK.size:end]
        if zlib.crc32(payload) != crc:
            return blocks, f"{where}: checksum mismatch; the file is damaged here"
        blocks.append((pos, payload))
        pos = end
    return blocks, None


def as_array(value: Any, name: str, ndim: int | None = None, kind: str | None = None) -> np.ndarray:
    """``value`` if it is an ndarray of ``ndim`` axes and dtype kind in ``kind``; else `ValueError`."""
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{name} is a {type(value).__name__}, not an array")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name} has {value.ndim} axes, expected {ndim}")
    if kind is not None and value.dtype.kind not in kind:
        raise ValueError(f"{name} has dtype {value.dtype}, expected kind {kind!r}")
    return value
