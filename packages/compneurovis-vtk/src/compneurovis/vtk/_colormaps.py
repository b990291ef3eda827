"""Colour maps by name as VTK lookup tables, and colour limits.

Names resolve, in order: the `ALIASES`; colorcet's maps by their short
``"CET-..."`` names (``"CET-R3"``, ``"CET-D1A"``, and the cyclic maps shifted
by a quarter turn, ``"CET-C1s"``); then every name the ``cmap`` package knows
(matplotlib's ``"viridis"``, colorcet's, colorbrewer's, ..., each also
reversed with ``_r``). The tables come from ``cmap`` alone: no Qt is imported.
"""

from __future__ import annotations

import functools
import logging
import math
import re

import numpy as np
from cmap import Colormap
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkLookupTable

#: Friendly names. ``"scalar"``: a perceptually uniform rainbow whose low end
#: stays visible on a dark background.
ALIASES = {
    "scalar": "CET-R3",
    "voltage": "CET-R3",
    "diverging": "CET-D1A",
    "symmetric": "CET-D1A",
    "gray": "CET-L1",
    "grey": "CET-L1",
}

#: Colour of values that are NaN (e.g. not yet simulated).
NAN_COLOR = (0.45, 0.45, 0.45)

#: ``CET-C1s``: colorcet's cyclic ``CET-C1`` turned by a quarter of its cycle.
_SHIFTED_CYCLIC = re.compile(r"^(CET-C\d+)s$")


@functools.lru_cache(maxsize=256)
def _cmap(name: str) -> Colormap | None:
    quiet = logging.getLogger("cmap")  # cmap logs a warning for a short name several namespaces share
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        if name.startswith("CET-"):  # colorcet's short names, as colorcet and pyqtgraph write them
            name = "colorcet:" + name.replace("-", "_")
        return Colormap(name)
    except (ValueError, KeyError, TypeError):
        return None
    finally:
        quiet.setLevel(level)


def _resolve(name: str) -> tuple[Colormap, float] | None:
    """The ``cmap`` map for ``name`` and the fraction of a turn to shift it by, or ``None``."""
    name = ALIASES.get(name, name)
    shifted = _SHIFTED_CYCLIC.match(name)
    found = _cmap(shifted[1] if shifted else name)
    return None if found is None else (found, 0.25 if shifted else 0.0)


def is_color_map(name: str) -> bool:
    """Whether ``name`` is a colour map `color_table` knows (and does not replace by ``"scalar"``)."""
    return isinstance(name, str) and bool(name) and _resolve(name) is not None


@functools.lru_cache(maxsize=64)
def _table(name: str, n: int) -> np.ndarray:
    found = _resolve(name) if isinstance(name, str) and name else None
    colormap, turn = found if found is not None else _resolve("scalar")  # type: ignore[misc]
    rgb = np.asarray(colormap.lut(n), dtype=np.float64)[:, :3]
    rgb = np.ascontiguousarray(np.roll(rgb, round(turn * n), axis=0))
    rgb.setflags(write=False)
    return rgb


def color_table(name: str, n: int = 256) -> np.ndarray:
    """Return ``(n, 3)`` RGB colours in ``[0, 1]`` of colour map ``name``.

    Args:
        name: ``"scalar"``, an alias from `ALIASES`, a colorcet short name
            (``"CET-D1"``, ``"CET-C2s"``), or any name the ``cmap`` package knows
            (``"viridis"``, ``"RdBu_r"``, ``"colorcet:fire"``). Unknown names
            fall back to ``"scalar"`` (`is_color_map` tells them apart).
        n: Number of colours.
    """
    return _table(name, n)


def make_lookup_table(name: str, limits: tuple[float, float] = (0.0, 1.0), n: int = 256) -> vtkLookupTable:
    """Return a `vtkLookupTable` of colour map ``name`` over ``limits``."""
    rgba = np.ones((n, 4), dtype=np.float64)
    rgba[:, :3] = color_table(name, n)
    lut = vtkLookupTable()
    lut.SetNumberOfTableValues(n)
    lut.SetTable(numpy_to_vtk((rgba * 255).round().astype(np.uint8), deep=1))
    lut.SetNanColor(*NAN_COLOR, 1.0)
    lut.SetRange(*limits)
    lut.UseAboveRangeColorOn()
    lut.UseBelowRangeColorOn()
    lut.SetAboveRangeColor(*rgba[-1])
    lut.SetBelowRangeColor(*rgba[0])
    return lut


def map_colors(name: str, values: np.ndarray, limits: tuple[float, float], n: int = 256) -> np.ndarray:
    """Return the ``(len(values), 3)`` colours ``[0, 1]`` a lookup table gives ``values``."""
    return map_colors_u8(name, values, limits, n).astype(np.float64) / 255.0


@functools.lru_cache(maxsize=64)
def _table_u8(name: str, n: int) -> np.ndarray:
    table = np.empty((n + 1, 3), dtype=np.uint8)
    table[:n] = (color_table(name, n) * 255).round().astype(np.uint8)
    table[n] = (np.asarray(NAN_COLOR) * 255).round().astype(np.uint8)
    table.setflags(write=False)
    return table


def map_colors_u8(name: str, values: np.ndarray, limits: tuple[float, float], n: int = 256,
                  out: np.ndarray | None = None) -> np.ndarray:
    """Map ``values`` to ``(len(values), 3)`` uint8 colours, as `make_lookup_table` would; NaN is grey."""
    lo, hi = limits
    v = np.asarray(values, dtype=np.float32)
    scaled = (v - np.float32(lo)) * np.float32(n / ((hi - lo) or 1.0))
    idx = np.clip(np.nan_to_num(scaled, nan=0.0), 0, n - 1).astype(np.intp)
    idx[np.isnan(v)] = n
    return np.take(_table_u8(name, n), idx, axis=0, out=out)


class ColorScale:
    """Colour limits of one view: fixed, or following the data with hysteresis.

    Automatic limits grow at once to cover the data and shrink only when the
    data has used less than half of the range for a while, a step at a time,
    so the colours do not flicker.

    Args:
        limits: Fixed ``(low, high)``, or ``None`` to follow the data.
        norm: ``"auto"``/``"linear"``, or ``"symmetric"`` (centred at 0).
    """

    SHRINK_AFTER = 15
    SHRINK_RATE = 0.15

    def __init__(self, limits: tuple[float, float] | None = None, norm: str = "auto") -> None:
        self.fixed = limits
        self.norm = norm
        self._auto: tuple[float, float] | None = None
        self._narrow_frames = 0

    def configure(self, limits: tuple[float, float] | None, norm: str) -> None:
        """Change the fixed limits or the norm (a spec was patched)."""
        if limits != self.fixed or norm != self.norm:
            self.fixed, self.norm, self._auto = limits, norm, None

    def update(self, values: np.ndarray) -> tuple[float, float]:
        """Return the limits to use for ``values`` (and remember them)."""
        if self.fixed is not None:
            lo, hi = float(self.fixed[0]), float(self.fixed[1])
        else:
            lo, hi = self._follow(values)
        if self.norm == "symmetric":
            m = max(abs(lo), abs(hi)) or 1.0
            lo, hi = -m, m
        if not hi > lo:
            hi = lo + 1.0
        return lo, hi

    def _follow(self, values: np.ndarray) -> tuple[float, float]:
        finite = np.asarray(values, dtype=np.float64)
        finite = finite[np.isfinite(finite)]
        if finite.size == 0:
            return self._auto or (0.0, 1.0)
        dlo, dhi = float(finite.min()), float(finite.max())
        pad = 0.05 * ((dhi - dlo) or max(abs(dhi), 1e-9))
        dlo, dhi = dlo - pad, dhi + pad
        if self._auto is None:
            self._auto = (dlo, dhi)
            return self._auto
        lo, hi = self._auto
        lo, hi = min(lo, dlo), max(hi, dhi)  # grow at once
        if (dhi - dlo) < 0.5 * (hi - lo):
            self._narrow_frames += 1
        else:
            self._narrow_frames = 0
        if self._narrow_frames > self.SHRINK_AFTER:
            lo += self.SHRINK_RATE * (dlo - lo)
            hi += self.SHRINK_RATE * (dhi - hi)
        if not math.isfinite(lo) or not math.isfinite(hi):
            lo, hi = dlo, dhi
        self._auto = (lo, hi)
        return self._auto
