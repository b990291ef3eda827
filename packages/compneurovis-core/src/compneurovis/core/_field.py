"""`Field`: a numpy array with named dims, per-dim coordinates, a unit and attrs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import SceneError
from ._rows import append_rows
from ._wire import wire

#: dtype kinds of numbers: bool, ints, floats.
NUMERIC_KINDS = frozenset("biuf")


def check_dtype(field_id: str, current: np.dtype, new: np.dtype, what: str) -> None:
    """Refuse values of dtype ``new`` for a field of dtype ``current`` that cannot hold them.

    A numeric field takes only numbers, and only those it can hold without
    changing kind (no floats, and so no NaN, into an integer field).

    Raises:
        SceneError: Naming the field and the expected and actual dtypes.
    """
    if new.hasobject:
        raise SceneError(f"field {field_id!r}: {what} has dtype object; use a numeric or fixed-width str dtype")
    if current.kind in NUMERIC_KINDS and not (
            new.kind in NUMERIC_KINDS and np.can_cast(new, current, casting="same_kind")):
        raise SceneError(f"field {field_id!r}: {what} has dtype {new}, expected numbers that fit {current}")


def _as_coord(field_id: str, dim: str, values: Any) -> np.ndarray:
    coord = np.asarray(values)
    if coord.ndim != 1:
        raise SceneError(
            f"field {field_id!r}: coordinate {dim!r} must be 1-D, got shape {coord.shape}"
        )
    return coord


@wire("field")
@dataclass(eq=False)
class Field:
    """A named n-dimensional array: the one data primitive of a Scene.

    Args:
        id: Unique id of the field inside its Scene.
        values: The data; ``values.ndim`` must equal ``len(dims)``.
        dims: One name per axis of ``values``, e.g. ``("time", "segment")`` for a
            history (time-major: appending along the first dim is cheapest).
        coords: Optional 1-D coordinate array per dim; its length must equal
            the size of that axis.
        unit: Physical unit of the values, e.g. ``"mV"``.
        attrs: Free-form metadata (plain JSON-like values).

    Raises:
        SceneError: If dims, coords and values do not agree.
    """

    id: str
    values: np.ndarray
    dims: tuple[str, ...]
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    unit: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values)
        self.dims = tuple(self.dims)
        self.coords = {
            dim: _as_coord(self.id, dim, c) for dim, c in dict(self.coords).items()
        }
        self.attrs = dict(self.attrs)
        self.validate()

    def validate(self) -> None:
        """Check that dims, coords and values agree.

        Raises:
            SceneError: Naming the field, the dim and the expected and actual sizes.
        """
        if self.values.dtype.hasobject:
            raise SceneError(f"field {self.id!r}: values of dtype object; use a numeric or fixed-width str dtype")
        if len(set(self.dims)) != len(self.dims):
            raise SceneError(f"field {self.id!r}: duplicate dim names in {self.dims}")
        if self.values.ndim != len(self.dims):
            raise SceneError(
                f"field {self.id!r}: {len(self.dims)} dims {self.dims} but values "
                f"have {self.values.ndim} axes (shape {self.values.shape})"
            )
        for dim, coord in self.coords.items():
            if dim not in self.dims:
                raise SceneError(
                    f"field {self.id!r}: coordinate {dim!r} is not one of its dims {self.dims}"
                )
            size = self.values.shape[self.dims.index(dim)]
            if coord.shape[0] != size:
                raise SceneError(
                    f"field {self.id!r}: coordinate {dim!r} has {coord.shape[0]} entries, "
                    f"expected {size} (values shape {self.values.shape})"
                )

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``values``."""
        return tuple(self.values.shape)

    def axis(self, dim: str) -> int:
        """Return the axis index of ``dim``.

        Raises:
            SceneError: If the field has no such dim.
        """
        try:
            return self.dims.index(dim)
        except ValueError:
            raise SceneError(
                f"field {self.id!r} has no dim {dim!r}; its dims are {self.dims}"
            ) from None

    def coord(self, dim: str) -> np.ndarray:
        """Return the coordinate of ``dim``, or ``arange(size)`` when none is set."""
        axis = self.axis(dim)
        if dim in self.coords:
            return self.coords[dim]
        return np.arange(self.values.shape[axis])

    def replaced(
        self, values: np.ndarray, coords: Mapping[str, Any] | None = None
    ) -> Field:
        """Return a new Field with the same id, dims, unit and attrs.

        Coordinates not given in ``coords`` are kept when their length still
        fits and dropped otherwise.

        Raises:
            SceneError: If the new values or coords do not fit the dims.
        """
        values = np.asarray(values)
        if values.ndim != len(self.dims):
            raise SceneError(
                f"field {self.id!r}: replacement has shape {values.shape}, expected "
                f"{len(self.dims)} axes for dims {self.dims}"
            )
        if self.values.dtype.kind in NUMERIC_KINDS and values.dtype.kind not in NUMERIC_KINDS:
            raise SceneError(f"field {self.id!r}: replacement has dtype {values.dtype}, expected numbers")
        new_coords = {
            dim: c
            for dim, c in self.coords.items()
            if c.shape[0] == values.shape[self.dims.index(dim)]
        }
        new_coords.update(coords or {})
        return Field(self.id, values, self.dims, new_coords, self.unit, self.attrs)

    def check_append(
        self, dim: str, values: np.ndarray, coord_values: Sequence[Any] | np.ndarray | None = None
    ) -> tuple[int, np.ndarray, np.ndarray | None]:
        """Check that a block fits an append along ``dim``, without appending it.

        Returns:
            ``(axis, block, coords)``: the axis of ``dim``, the block as an array,
            and its coordinates (``None`` when the field has no coordinate for ``dim``).

        Raises:
            SceneError: For an unknown dim, a shape mismatch or missing coords.
        """
        axis = self.axis(dim)
        block = np.asarray(values)
        check_dtype(self.id, self.values.dtype, block.dtype, f"appended block along {dim!r}")
        if block.ndim != self.values.ndim:
            raise SceneError(
                f"field {self.id!r}: appended block has shape {block.shape}, expected "
                f"{self.values.ndim} axes for dims {self.dims}"
            )
        expected = list(self.values.shape)
        expected[axis] = block.shape[axis]
        if list(block.shape) != expected:
            raise SceneError(
                f"field {self.id!r}: appended block along {dim!r} has shape "
                f"{block.shape}, expected {tuple(expected)}"
            )
        if dim not in self.coords:
            return axis, block, None
        if coord_values is None:
            raise SceneError(f"field {self.id!r}: append along {dim!r} needs coordinate values")
        new = np.asarray(coord_values)
        if new.shape != (block.shape[axis],):
            raise SceneError(
                f"field {self.id!r}: {block.shape[axis]} appended entries along "
                f"{dim!r} but {new.shape} coordinate values"
            )
        return axis, block, new

    def appended(
        self,
        dim: str,
        values: np.ndarray,
        coord_values: Sequence[Any] | np.ndarray | None = None,
        max_length: int | None = None,
    ) -> Field:
        """Return a new Field with ``values`` appended along ``dim``.

        Args:
            dim: The dim to grow, e.g. ``"time"``.
            values: Block to append; same shape as ``self.values`` except along
                ``dim``.
            coord_values: Coordinates of the appended entries along ``dim``;
                required when the field has a coordinate for ``dim``.
            max_length: Keep at most this many entries along ``dim`` (oldest
                dropped first).

        Raises:
            SceneError: For an unknown dim, a shape mismatch or missing coords.
        """
        axis, block, new = self.check_append(dim, values, coord_values)
        if axis == 0:  # rows (a time-major history): O(appended rows), amortised
            coord = self.coords.get(dim)
            joined, joined_coord, token = append_rows(self, self.values, coord, block, new, max_length)
            coords = dict(self.coords)
            if joined_coord is not None:
                coords[dim] = joined_coord
            out = Field(self.id, joined, self.dims, coords, self.unit, self.attrs)
            out._rows = token
            return out
        coords = dict(self.coords)
        if new is not None:
            coords[dim] = np.concatenate([self.coords[dim], new.astype(self.coords[dim].dtype)])
        joined = np.concatenate([self.values, block.astype(self.values.dtype, copy=False)], axis=axis)
        if max_length is not None and joined.shape[axis] > max_length:
            keep = slice(joined.shape[axis] - max_length, None)
            index = [slice(None)] * joined.ndim
            index[axis] = keep
            joined = joined[tuple(index)]
            if dim in coords:
                coords[dim] = coords[dim][keep]
        return Field(self.id, np.ascontiguousarray(joined), self.dims, coords, self.unit, self.attrs)
