"""Stable wire names: the registry of every type that may cross the codec.

Each dataclass (or str `Enum`) that travels in a message declares its wire
name with `wire`; the name, never the Python class name, is what the codec
writes. Renaming or moving a class therefore leaves every message and
recording byte for byte the same.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from enum import Enum
from typing import TypeVar

T = TypeVar("T", bound=type)

#: Wire name -> dataclass, and dataclass -> wire name.
TYPES: dict[str, type] = {}
TYPE_NAMES: dict[type, str] = {}
#: Wire name -> str Enum, and Enum -> wire name.
ENUMS: dict[str, type[Enum]] = {}
ENUM_NAMES: dict[type, str] = {}

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,99}")


def wire(name: str) -> Callable[[T], T]:
    """Class decorator: let a dataclass or str `Enum` cross the codec as ``name``.

    Third-party backends use it for their own message or view types; prefix
    the name with the package (``"mybackend.raster_view"``) to avoid clashes.

    Args:
        name: The stable wire name, 1-100 characters of letters, digits and
            ``_.:-``, starting with a letter.

    Returns:
        A decorator that registers the class and returns it unchanged.

    Raises:
        ValueError: For a malformed name, or one already taken by another class.
        TypeError: If the decorated object is neither a dataclass nor an Enum.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"wire name {name!r} must be 1-100 characters of letters, digits and _.:-, "
                         f"starting with a letter")

    def register(cls: T) -> T:
        if isinstance(cls, type) and issubclass(cls, Enum):
            names, classes = ENUM_NAMES, ENUMS
        elif isinstance(cls, type) and dataclasses.is_dataclass(cls):
            names, classes = TYPE_NAMES, TYPES  # type: ignore[assignment]
        else:
            raise TypeError(f"{cls!r} is neither a dataclass nor an Enum; it cannot cross the codec")
        taken = classes.get(name)
        if taken is not None and taken is not cls and taken.__qualname__ != cls.__qualname__:
            raise ValueError(f"wire name {name!r} is already registered for {taken.__module__}.{taken.__qualname__}")
        old = names.pop(cls, None)
        if old is not None and old != name:
            del classes[old]
        classes[name] = cls  # type: ignore[assignment]
        names[cls] = name
        return cls

    return register


def register_type(cls: T, name: str | None = None) -> T:
    """Register ``cls`` under ``name`` (default: its class name); prefer `wire`.

    Kept for code written before wire names were explicit. Without ``name``
    the wire format of ``cls`` changes if the class is renamed.

    Args:
        cls: A dataclass or str `Enum`.
        name: Its wire name.

    Returns:
        ``cls``, unchanged.
    """
    return wire(name or cls.__name__)(cls)
