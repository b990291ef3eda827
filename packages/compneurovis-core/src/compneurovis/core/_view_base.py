"""`ViewSpec`: the contract every view kind's spec class fulfils.

A view kind is one frozen, keyword-only dataclass that subclasses `ViewSpec`
(this module) plus one drawing class in a frontend, registered by spec type
(`compneurovis.qt.register_view`). The spec says what to draw and from which
fields (`ViewSpec.field_ids`); `ViewSpec.validate` checks it against a Scene,
and `Scene.validate` calls it for every view, so a view that names a missing
field or a field of the wrong dims is refused with a `SceneError` naming the
view, the field and the expected and actual dims before anything draws it.
"""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import SceneError
from ._field import Field

if TYPE_CHECKING:
    from ._scene import Scene

G = TypeVar("G")

#: Default maximum redraws per second of one view.
DEFAULT_MAX_REFRESH_HZ = 30.0


def finite_real(value: Any) -> bool:
    """True for a finite real number that is not a bool."""
    return not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)


class ViewSpec(abc.ABC):
    """Base class of every view spec (subclass it as a frozen, keyword-only dataclass).

    A subclass declares at least the fields ``id: str`` and
    ``max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ``, implements
    `field_ids`, and extends `validate` (calling ``super().validate(scene)``
    first) with the checks only it knows: dims, shapes, its geometry.

    Attributes:
        id: Id of the view inside its Scene.
        max_refresh_hz: Cap on redraws per second (0: no cap).
    """

    id: str
    max_refresh_hz: float

    @abc.abstractmethod
    def field_ids(self) -> tuple[str, ...]:
        """Ids of the fields this view reads; an update of any of them redraws it."""

    def value_field_ids(self) -> tuple[str, ...]:
        """Ids of the fields whose values, not only their dims, shape and dtype, `validate` checks.

        A display frame (new values, same structure) of any other field does
        not validate the view again. Defaults to every field the view reads; a
        view that checks no values returns ``()``.
        """
        return self.field_ids()

    def validate(self, scene: Scene) -> None:
        """Check the view against ``scene``: its fields exist and its settings are sane.

        Raises:
            SceneError: Naming the view and what is wrong with it.
        """
        if not isinstance(self.id, str) or not self.id:
            raise SceneError(f"{type(self).__name__}: id must be a non-empty string, got {self.id!r}")
        if not finite_real(self.max_refresh_hz) or self.max_refresh_hz < 0:
            raise SceneError(f"view {self.id!r}: max_refresh_hz must be a finite number >= 0, "
                             f"got {self.max_refresh_hz!r}")
        if hasattr(self, "title"):
            self.check_text("title")
        for field_id in self.field_ids():
            self.scene_field(scene, field_id)

    # ------------------------------------------------------------ helpers

    def scene_field(self, scene: Scene, field_id: str, *, role: str = "field", ndim: int | None = None,
                    shape: tuple[int, ...] | None = None, numeric: bool = False,
                    expected: str = "") -> Field:
        """Return ``scene.fields[field_id]`` after checking it fits this view.

        Args:
            scene: The Scene.
            field_id: The field the view reads.
            role: What the field is to the view (``"colour field"``), for messages.
            ndim: Number of dims required, or ``None``.
            shape: Exact shape required, or ``None``.
            numeric: Require a numeric (or bool) dtype.
            expected: Words for what the view expects, e.g. ``"one value per entity"``.

        Raises:
            SceneError: Naming the view, the field and the expected and actual dims.
        """
        f = scene.fields.get(field_id)
        if f is None:
            raise SceneError(f"view {self.id!r} points at missing {role} {field_id!r}; "
                             f"fields are {sorted(scene.fields)}")
        if (ndim is not None and f.values.ndim != ndim) or (shape is not None and f.shape != tuple(shape)):
            want = f"{tuple(shape)}" if shape is not None else f"{ndim} dim(s)"
            raise SceneError(f"view {self.id!r}: {role} {f.id!r} has dims {f.dims} and shape {f.shape}, "
                             f"expected {want}{f' ({expected})' if expected else ''}")
        if numeric and f.values.dtype.kind not in "biuf":
            raise SceneError(f"view {self.id!r}: {role} {f.id!r} has dtype {f.values.dtype}, expected numbers")
        return f

    def scene_dim(self, f: Field, dim: str, what: str) -> int:
        """The axis of ``dim`` in field ``f``, which this view uses as ``what`` (e.g. ``"x_dim"``).

        Raises:
            SceneError: Naming the view, the field, the dim wanted and the dims it has.
        """
        if dim not in f.dims:
            raise SceneError(f"view {self.id!r}: {what} {dim!r} is not a dim of field {f.id!r}; "
                             f"its dims are {f.dims}")
        return f.dims.index(dim)

    def scene_geometry(self, scene: Scene, geometry_id: str, kind: type[G]) -> G:
        """Return ``scene.geometries[geometry_id]`` if it is a ``kind``.

        Raises:
            SceneError: Naming the view, the geometry and the kind expected.
        """
        geometry = scene.geometries.get(geometry_id)
        if not isinstance(geometry, kind):
            found = "missing" if geometry is None else f"a {type(geometry).__name__}, not a"
            raise SceneError(f"view {self.id!r} points at {found} {kind.__name__} {geometry_id!r}")
        return geometry

    def check_text(self, *names: str, optional: bool = False) -> None:
        """Check that each attribute in ``names`` is a str (or ``None`` when ``optional``).

        Raises:
            SceneError: Naming the view, the attribute and its value.
        """
        for name in names:
            value = getattr(self, name)
            if not (isinstance(value, str) or (optional and value is None)):
                kind = "a str or None" if optional else "a str"
                raise SceneError(f"view {self.id!r}: {name} must be {kind}, got {value!r}")

    def check_positive(self, name: str, *, optional: bool = False) -> None:
        """Check that attribute ``name`` is a finite number > 0 (or ``None`` when ``optional``).

        Raises:
            SceneError: Naming the view, the attribute and its value.
        """
        value = getattr(self, name)
        if optional and value is None:
            return
        if not finite_real(value) or value <= 0:
            raise SceneError(f"view {self.id!r}: {name} must be a number > 0{' or None' if optional else ''}, "
                             f"got {value!r}")

    def check_color_scale(self, color_limits: Any, color_norm: str | None = None) -> None:
        """Check ``color_limits`` (``None`` or finite ``(low, high)``, low < high) and ``color_norm``.

        Raises:
            SceneError: Naming the view and the bad value.
        """
        if color_limits is not None:
            ok = (isinstance(color_limits, Sequence) and not isinstance(color_limits, str)
                  and len(color_limits) == 2 and all(finite_real(v) for v in color_limits)
                  and color_limits[0] < color_limits[1])
            if not ok:
                raise SceneError(f"view {self.id!r}: color_limits must be None or finite (low, high) "
                                 f"with low < high, got {color_limits!r}")
        if color_norm is not None and color_norm not in ("auto", "linear", "symmetric"):
            raise SceneError(f"view {self.id!r}: color_norm must be 'auto', 'linear' or 'symmetric', "
                             f"got {color_norm!r}")
