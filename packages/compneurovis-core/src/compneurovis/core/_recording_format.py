r"""The recording file (format 3): a header, then self-delimiting, checksummed blocks.

::

    file    = header block*
    header  = b"CNVREC\r\n" | uint32 format version | uint32 protocol version   (16 bytes)
    block   = b"CNVB" | uint64 payload length | uint32 CRC-32 of the payload | payload
    payload = one message of the core codec (`encode`) holding a dict:

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

import struct
import zlib
from typing import Any

import numpy as np

from ._protocol import DisplayFrame, SessionUpdate

MAGIC = b"CNVREC\r\n"
FORMAT_VERSION = 3
HEADER = struct.Struct("<8sII")
BLOCK_MAGIC = b"CNVB"
BLOCK = struct.Struct("<4sQI")
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


def block(payload: bytes) -> bytes:
    """The header of a block holding ``payload``."""
    return BLOCK.pack(BLOCK_MAGIC, len(payload), zlib.crc32(payload))


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
