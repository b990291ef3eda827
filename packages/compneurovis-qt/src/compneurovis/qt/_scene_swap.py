"""Whether a new Scene can take an old one's place without building the window's panels again.

A demo's preview (its last start's first Scene) and the session's own first
Scene usually differ only in their values: same geometry, views, layout and
controls. Building every panel again stalls the event loop for a few hundred
ms on software GL; swapping the Scene under the drawings does not.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from compneurovis.core import Scene


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is not None and b is not None and np.array_equal(a, b)
    return bool(a == b)


def _same_geometry(a: Any, b: Any) -> bool:
    if type(a) is not type(b) or not dataclasses.is_dataclass(a):
        return False
    return all(_equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a) if f.init)


def same_structure(old: Scene, new: Scene) -> bool:
    """Whether ``new`` has ``old``'s views, panels, layout, controls, actions, time naming, geometries and fields.

    Field values, state, title and status may differ. A spec that cannot be
    compared (one holding arrays) counts as different.
    """
    try:
        if (old.views != new.views or old.panels != new.panels or old.layout != new.layout
                or old.controls != new.controls or old.actions != new.actions
                or (old.time_label, old.time_unit) != (new.time_label, new.time_unit)):
            return False
        if old.fields.keys() != new.fields.keys() or old.geometries.keys() != new.geometries.keys():
            return False
        if any(old.fields[k].dims != new.fields[k].dims for k in old.fields):
            return False
        return all(_same_geometry(old.geometries[k], new.geometries[k]) for k in old.geometries)
    except (TypeError, ValueError):  # an array inside a spec: no single truth value
        return False
