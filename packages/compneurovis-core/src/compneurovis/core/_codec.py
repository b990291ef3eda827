"""Pickle-free encoding of Scenes, commands and updates.

An object becomes a *plain* tree (dicts, lists, str, numbers, bool, None) plus
a list of raw numpy buffers; `encode` frames both into one ``bytes`` message:

    b"CNVS" | uint32 header length | JSON header | buffer 0 | buffer 1 | ...

The header carries `PROTOCOL_VERSION`; a message of another version is refused.
"""

from __future__ import annotations

import dataclasses
import json
import struct
from enum import Enum
from typing import Any

import numpy as np

from . import _controls, _field, _geometry, _layout, _protocol, _scene, _views
from ._errors import SceneError
from ._history import HistoryCaptureMode
from ._protocol import PROTOCOL_VERSION

MAGIC = b"CNVS"
_HEAD = struct.Struct("<4sI")


def _registry() -> dict[str, type]:
    types: dict[str, type] = {}
    for module in (_controls, _field, _geometry, _layout, _protocol, _scene, _views):
        for name, obj in vars(module).items():
            if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__:
                types[name] = obj
    return types


_TYPES = _registry()
_ENUMS: dict[str, type[Enum]] = {"HistoryCaptureMode": HistoryCaptureMode}


def register_type(cls: type) -> type:
    """Allow a further dataclass (or str Enum) to cross the codec; usable as a decorator."""
    if isinstance(cls, type) and issubclass(cls, Enum):
        _ENUMS[cls.__name__] = cls
    elif dataclasses.is_dataclass(cls):
        _TYPES[cls.__name__] = cls
    else:
        raise TypeError(f"{cls!r} is neither a dataclass nor an Enum")
    return cls


def to_plain(obj: Any, buffers: list[np.ndarray]) -> Any:
    """Turn ``obj`` into a JSON-able tree, moving arrays into ``buffers``.

    Raises:
        TypeError: For a value the protocol cannot carry (e.g. object arrays).
    """
    if isinstance(obj, Enum):  # before str: str-valued enums are also str
        return {"t": "enum", "type": type(obj).__name__, "v": obj.value}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError("object arrays cannot be encoded; use a numeric or fixed-width string dtype")
        buffers.append(np.ascontiguousarray(obj))
        return {"t": "nd", "b": len(buffers) - 1, "dtype": obj.dtype.str, "shape": list(obj.shape)}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, list):
        return [to_plain(v, buffers) for v in obj]
    if isinstance(obj, tuple):
        return {"t": "tuple", "v": [to_plain(v, buffers) for v in obj]}
    if isinstance(obj, dict):
        bad = [k for k in obj if not isinstance(k, str)]
        if bad:
            raise TypeError(f"dict keys must be strings, got {bad[0]!r}")
        return {"t": "dict", "v": {k: to_plain(v, buffers) for k, v in obj.items()}}
    if dataclasses.is_dataclass(obj) and type(obj).__name__ in _TYPES:
        values = {f.name: to_plain(getattr(obj, f.name), buffers)
                  for f in dataclasses.fields(obj) if f.init}
        return {"t": "dc", "type": type(obj).__name__, "v": values}
    raise TypeError(f"cannot encode a {type(obj).__name__}")


def from_plain(tree: Any, buffers: list[Any]) -> Any:
    """Rebuild an object from `to_plain` output and its buffers.

    Raises:
        SceneError: For an unknown type tag or a buffer of the wrong size.
    """
    if isinstance(tree, list):
        return [from_plain(v, buffers) for v in tree]
    if not isinstance(tree, dict):
        return tree
    tag = tree.get("t")
    if tag == "nd":
        dtype = np.dtype(tree["dtype"])
        shape = tuple(tree["shape"])
        raw = buffers[tree["b"]]
        count = int(np.prod(shape, dtype=np.int64))
        if len(raw) != count * dtype.itemsize:
            raise SceneError(f"array buffer {tree['b']} has {len(raw)} bytes, expected {count * dtype.itemsize}")
        # Zero-copy, read-only view of the message; updates replace arrays, never write into them.
        return np.frombuffer(raw, dtype=dtype, count=count).reshape(shape)
    if tag == "tuple":
        return tuple(from_plain(v, buffers) for v in tree["v"])
    if tag == "dict":
        return {k: from_plain(v, buffers) for k, v in tree["v"].items()}
    if tag == "enum":
        return _lookup(_ENUMS, tree["type"])(tree["v"])
    if tag == "dc":
        cls = _lookup(_TYPES, tree["type"])
        return cls(**{k: from_plain(v, buffers) for k, v in tree["v"].items()})
    raise SceneError(f"unknown encoding tag {tag!r}")


def _lookup(pool: dict[str, Any], name: str) -> Any:
    try:
        return pool[name]
    except KeyError:
        raise SceneError(f"unknown message type {name!r}") from None


def encode(obj: Any) -> bytes:
    """Encode a Scene, command or update (or any tree of them) to one message."""
    buffers: list[np.ndarray] = []
    tree = to_plain(obj, buffers)
    header = json.dumps(
        {"protocol": PROTOCOL_VERSION, "body": tree, "sizes": [b.nbytes for b in buffers]},
        separators=(",", ":"),
    ).encode()
    parts: list[Any] = [_HEAD.pack(MAGIC, len(header)), header]
    parts.extend(memoryview(b).cast("B") if b.nbytes else b"" for b in buffers)
    return b"".join(parts)


def decode(message: bytes | bytearray | memoryview) -> Any:
    """Decode one message produced by `encode`.

    Raises:
        SceneError: For a message that is truncated, foreign, or of another
            protocol version.
    """
    view = memoryview(message).cast("B")
    if len(view) < _HEAD.size:
        raise SceneError(f"message truncated: {len(view)} bytes")
    magic, header_len = _HEAD.unpack_from(view)
    if magic != MAGIC:
        raise SceneError(f"not a CompNeuroVis message (starts with {bytes(magic)!r})")
    start = _HEAD.size + header_len
    try:
        header = json.loads(bytes(view[_HEAD.size:start]))
    except ValueError as exc:
        raise SceneError(f"message header is not valid JSON: {exc}") from None
    version = header.get("protocol")
    if version != PROTOCOL_VERSION:
        raise SceneError(f"message has protocol version {version}, this CompNeuroVis speaks {PROTOCOL_VERSION}")
    buffers = []
    for size in header["sizes"]:
        buffers.append(view[start:start + size])
        start += size
    if start > len(view):
        raise SceneError(f"message truncated: {len(view)} bytes, header promises {start}")
    return from_plain(header["body"], buffers)
