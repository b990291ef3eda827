"""`Camera`: where a 3-D view looks from, as a named preset or an exact position.

A camera is part of `MorphologyViewSpec`, so scripts, screenshots, recordings
and ``compneurovis render --camera`` all set it the same way: with the spec or
a `ScenePatch` of its ``camera``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import SceneError
from ._view_base import finite_real
from ._wire import wire

#: Preset name -> (direction of projection: from the camera towards what it looks at, view up).
#: Reconstructions usually lie in the xy plane: "front" looks at it face-on along -z with y up.
CAMERA_PRESETS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "front": ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),
    "side": ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "top": ((0.0, -1.0, 0.0), (0.0, 0.0, -1.0)),
    "isometric": ((-1.0 / math.sqrt(3.0),) * 3, (0.0, 1.0, 0.0)),
}

Vector = tuple[float, float, float]


def _vector(value: Any) -> Any:
    """``value`` as a tuple of floats when it is a sequence of 3 numbers; anything else unchanged."""
    if isinstance(value, str) or (not isinstance(value, Sequence) and not hasattr(value, "__array__")):
        return value
    try:
        items = list(value)
    except TypeError:
        return value
    if len(items) != 3 or not all(finite_real(v) or _numpy_scalar(v) for v in items):
        return value
    return tuple(float(v) for v in items)


def _numpy_scalar(v: Any) -> bool:
    return hasattr(v, "dtype") and getattr(v, "ndim", 1) == 0 and v.dtype.kind in "iuf" and math.isfinite(float(v))


@wire("camera")
@dataclass(frozen=True, kw_only=True)
class Camera:
    """Where a 3-D view looks from: a preset, or a position, focal point and view-up vector.

    ``Camera(preset="top")`` frames the whole morphology from that direction;
    ``Camera(position=..., focal_point=..., view_up=...)`` is an exact view
    (what the window's "save view" stores). Give either ``preset`` or all three
    vectors, never both.

    Args:
        preset: ``"front"`` (along -z, y up), ``"side"`` (along -x, y up),
            ``"top"`` (along -y, -z up) or ``"isometric"`` (along -(1, 1, 1), y up).
        position: Camera position ``(x, y, z)`` in the geometry's units (µm).
        focal_point: The point looked at.
        view_up: The direction that points up on screen (need not be unit length).

    Raises:
        SceneError: For an unknown preset, a missing or non-finite vector, a
            position equal to the focal point, or a view-up parallel to the
            viewing direction.
    """

    preset: str | None = None
    position: Vector | None = None
    focal_point: Vector | None = None
    view_up: Vector | None = None

    def __post_init__(self) -> None:
        for name in ("position", "focal_point", "view_up"):
            object.__setattr__(self, name, _vector(getattr(self, name)))
        self.check()

    @classmethod
    def of(cls, value: Camera | str | None) -> Camera | None:
        """``value`` as a Camera: a preset name becomes ``Camera(preset=name)``; ``None`` stays ``None``."""
        return cls(preset=value) if isinstance(value, str) else value

    def check(self, where: str = "camera") -> None:
        """Raise `SceneError` (prefixed with ``where``) unless this camera is well formed."""
        vectors = (self.position, self.focal_point, self.view_up)
        if self.preset is not None:
            if self.preset not in CAMERA_PRESETS:
                raise SceneError(f"{where}: preset {self.preset!r} is not one of {sorted(CAMERA_PRESETS)}")
            if any(v is not None for v in vectors):
                raise SceneError(f"{where}: give a preset or position/focal_point/view_up, not both")
            return
        for name, v in zip(("position", "focal_point", "view_up"), vectors, strict=True):
            if not (isinstance(v, tuple) and len(v) == 3 and all(finite_real(x) for x in v)):
                raise SceneError(f"{where}: {name} must be 3 finite numbers (or give a preset), got {v!r}")
        d = [f - p for f, p in zip(self.focal_point, self.position, strict=True)]  # type: ignore[arg-type]
        up = self.view_up
        norm_d, norm_up = math.sqrt(sum(x * x for x in d)), math.sqrt(sum(x * x for x in up))  # type: ignore[union-attr]
        if norm_d == 0.0:
            raise SceneError(f"{where}: position and focal_point are the same point {self.position}")
        if norm_up == 0.0:
            raise SceneError(f"{where}: view_up is the zero vector")
        cross = (d[1] * up[2] - d[2] * up[1], d[2] * up[0] - d[0] * up[2], d[0] * up[1] - d[1] * up[0])  # type: ignore[index]
        if math.sqrt(sum(x * x for x in cross)) <= 1e-9 * norm_d * norm_up:
            raise SceneError(f"{where}: view_up {self.view_up} is parallel to the viewing direction")

    def direction(self) -> tuple[Vector, Vector]:
        """The unit direction of projection and the view-up vector of a preset (or of the exact view)."""
        if self.preset is not None:
            return CAMERA_PRESETS[self.preset]
        d = [f - p for f, p in zip(self.focal_point, self.position, strict=True)]  # type: ignore[arg-type]
        n = math.sqrt(sum(x * x for x in d))
        return (d[0] / n, d[1] / n, d[2] / n), self.view_up  # type: ignore[return-value]
