"""Pickle-free encoding of Scenes, commands and updates.

An object becomes a *plain* tree (dicts, lists, str, numbers, bool, None) plus
a list of raw numpy buffers; `encode` frames both into one ``bytes`` message:

    b"CNVS" | uint32 header length | JSON header | buffer 0 | buffer 1 | ...

The header carries `PROTOCOL_VERSION`; a message of another version is refused.
Types travel under their registered wire names (see `wire`), never their
Python class names. `decode` checks every header field, so any bytes at all
either decode or raise `SceneError`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import struct
from enum import Enum
from typing import Any

import numpy as np

# Importing these modules registers their wire types.
from . import _controls, _field, _geometry, _history, _layout, _protocol, _scene, _views  # noqa: F401
from ._errors import SceneError
from ._protocol import PROTOCOL_VERSION
from ._wire import ENUM_NAMES, ENUMS, TYPE_NAMES, TYPES

MAGIC = b"CNVS"
_HEAD = struct.Struct("<4sI")
#: Deepest nesting `decode` accepts (a Scene needs about ten levels).
MAX_DEPTH = 64
#: Most axes of a decoded array.
_MAX_NDIM = 32
#: dtype kinds that may cross: bool, ints, floats, complex, bytes and str (never object or void).
_DTYPE_KINDS = frozenset("biufcSU")


def to_plain(obj: Any, buffers: list[np.ndarray]) -> Any:
    """Turn ``obj`` into a JSON-able tree, moving arrays into ``buffers``.

    Raises:
        TypeError: For a value the protocol cannot carry (e.g. object arrays,
            or a dataclass without a `wire` name).
    """
    if isinstance(obj, Enum):  # before str: str-valued enums are also str
        name = ENUM_NAMES.get(type(obj))
        if name is None:
            raise TypeError(f"cannot encode enum {type(obj).__name__}: register it with @wire(name)")
        return {"t": "enum", "type": name, "v": obj.value}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in _DTYPE_KINDS or obj.dtype.itemsize == 0:
            raise TypeError(f"arrays of dtype {obj.dtype} cannot be encoded; use a numeric or fixed-width "
                            f"string dtype")
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
    name = TYPE_NAMES.get(type(obj))
    if name is not None:
        values = {f.name: to_plain(getattr(obj, f.name), buffers)
                  for f in dataclasses.fields(obj) if f.init}
        return {"t": "dc", "type": name, "v": values}
    raise TypeError(f"cannot encode a {type(obj).__name__}" + (
        ": register it with @wire(name)" if dataclasses.is_dataclass(obj) else ""))


class _Decoder:
    """One `from_plain` pass: the buffers and the depth bound."""

    def __init__(self, buffers: list[Any]) -> None:
        self.buffers = buffers

    def tree(self, tree: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise SceneError(f"message nests deeper than {MAX_DEPTH} levels")
        if isinstance(tree, list):
            return [self.tree(v, depth + 1) for v in tree]
        if not isinstance(tree, dict):
            return tree
        tag = tree.get("t")
        if tag == "nd":
            return self.array(tree)
        if tag == "tuple":
            return tuple(self.tree(v, depth + 1) for v in _member(tree, "v", list))
        if tag == "dict":
            return {k: self.tree(v, depth + 1) for k, v in _member(tree, "v", dict).items()}
        if tag == "enum":
            cls = self.lookup(ENUMS, _member(tree, "type", str))
            try:
                return cls(tree.get("v"))
            except (ValueError, TypeError):
                raise SceneError(f"{tree.get('v')!r} is not a value of {cls.__name__}") from None
        if tag == "dc":
            return self.dataclass(tree, depth)
        raise SceneError(f"unknown encoding tag {tag!r}")

    def lookup(self, pool: dict[str, Any], name: str) -> Any:
        try:
            return pool[name]
        except KeyError:
            raise SceneError(f"unknown message type {name!r}") from None

    def array(self, tree: dict[str, Any]) -> np.ndarray:
        index = _member(tree, "b", int)
        if not 0 <= index < len(self.buffers):
            raise SceneError(f"array refers to buffer {index}; the message has {len(self.buffers)}")
        spec = _member(tree, "dtype", str)
        try:
            dtype = np.dtype(spec)
        except Exception:  # noqa: BLE001 - numpy's dtype parser raises several types for bad strings
            raise SceneError(f"array dtype {spec[:40]!r} is not a numpy dtype") from None
        if dtype.kind not in _DTYPE_KINDS or dtype.itemsize == 0 or dtype.fields is not None:
            raise SceneError(f"array dtype {spec[:40]!r} may not cross the wire (only numbers and fixed-width str)")
        shape = _member(tree, "shape", list)
        if len(shape) > _MAX_NDIM or not all(type(n) is int and n >= 0 for n in shape):
            raise SceneError(f"array shape {shape[:8]!r} is not a list of at most {_MAX_NDIM} sizes >= 0")
        raw = self.buffers[index]
        count = math.prod(shape)
        if len(raw) != count * dtype.itemsize:
            raise SceneError(f"array buffer {index} has {len(raw)} bytes, expected {count * dtype.itemsize} "
                             f"for shape {tuple(shape)} of {dtype}")
        try:  # zero-copy, read-only view of the message; updates replace arrays, never write into them
            return np.frombuffer(raw, dtype=dtype, count=count).reshape(shape)
        except ValueError as exc:  # e.g. a zero-size shape with an axis beyond numpy's limits
            raise SceneError(f"array of shape {tuple(shape)[:8]} cannot be built: {exc}") from None

    def dataclass(self, tree: dict[str, Any], depth: int) -> Any:
        cls = self.lookup(TYPES, _member(tree, "type", str))
        values = _member(tree, "v", dict)
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        unknown = sorted(set(values) - set(fields))
        missing = sorted(name for name, f in fields.items() if name not in values and f.default is dataclasses.MISSING
                         and f.default_factory is dataclasses.MISSING)
        if unknown or missing:
            raise SceneError(f"{cls.__name__} message: unknown attribute(s) {unknown[:5]}, missing {missing}")
        kwargs = {k: self.tree(v, depth + 1) for k, v in values.items()}
        try:
            return cls(**kwargs)
        except SceneError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a constructor rejects, decode names it
            raise SceneError(f"{cls.__name__} message does not build: {type(exc).__name__}: {exc}") from None


def _member(tree: dict[str, Any], key: str, kind: type) -> Any:
    value = tree.get(key)
    if type(value) is not kind:  # exact: bool is not an int here
        raise SceneError(f"encoded {tree.get('t')!r} needs {key!r} of type {kind.__name__}, "
                         f"got {type(value).__name__}")
    return value


def from_plain(tree: Any, buffers: list[Any]) -> Any:
    """Rebuild an object from `to_plain` output and its buffers.

    Raises:
        SceneError: For an unknown type tag, a malformed node, a buffer of the
            wrong size, or nesting deeper than `MAX_DEPTH`.
    """
    return _Decoder(buffers).tree(tree, 0)


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

    Any input either decodes or raises `SceneError`; nothing else escapes.

    Raises:
        SceneError: For a message that is truncated, foreign, malformed, or of
            another protocol version.
    """
    try:
        view = memoryview(message).cast("B")
    except (TypeError, ValueError):
        raise SceneError(f"a message must be contiguous bytes, got {type(message).__name__}") from None
    if len(view) < _HEAD.size:
        raise SceneError(f"message truncated: {len(view)} bytes")
    magic, header_len = _HEAD.unpack_from(view)
    if magic != MAGIC:
        raise SceneError(f"not a CompNeuroVis message (starts with {bytes(magic)!r})")
    start = _HEAD.size + header_len
    if start > len(view):
        raise SceneError(f"message truncated: {len(view)} bytes, its header alone needs {start}")
    try:
        header = json.loads(bytes(view[_HEAD.size:start]))
    except (ValueError, RecursionError) as exc:
        raise SceneError(f"message header is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(header, dict):
        raise SceneError(f"message header is a {type(header).__name__}, not an object")
    version = header.get("protocol")
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise SceneError(f"message has protocol version {str(version)[:20]}, this CompNeuroVis speaks "
                         f"{PROTOCOL_VERSION}")
    sizes = header.get("sizes")
    if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes):
        raise SceneError("message header needs 'sizes', a list of buffer sizes >= 0")
    if "body" not in header:
        raise SceneError("message header has no 'body'")
    buffers = []
    for size in sizes:
        buffers.append(view[start:start + size])
        start += size
    if start > len(view):
        raise SceneError(f"message truncated: {len(view)} bytes, its header promises {start}")
    if start < len(view):
        raise SceneError(f"message has {len(view) - start} bytes after the {start} its header describes")
    return _Decoder(buffers).tree(header["body"], 0)
