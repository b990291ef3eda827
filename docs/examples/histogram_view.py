"""A view kind of your own, part 1 of 2: the spec (core only, no Qt).

`HistogramViewSpec` says *what* to draw: a histogram of the current values of
a per-entity field (e.g. the membrane voltage of every segment). It reads one
field and checks itself against the Scene, so a Scene that points it at a
missing field or one of the wrong dims is refused with a clear `SceneError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from compneurovis.core import DEFAULT_MAX_REFRESH_HZ, Scene, SceneError, ViewSpec, wire


@wire("docs_example.histogram_view")  # its stable name on the wire: a session in a worker can send it
@dataclass(frozen=True, kw_only=True)
class HistogramViewSpec(ViewSpec):
    """Histogram of a per-entity field's current values.

    Args:
        id: Id of the view inside its Scene.
        field_id: A 1-D numeric field (one value per entity).
        bins: Number of bins between the smallest and largest finite value.
        title: Plot title.
        max_refresh_hz: Cap on redraws per second.
    """

    id: str
    field_id: str
    bins: int = 20
    title: str = "Histogram"
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ

    def field_ids(self) -> tuple[str, ...]:
        """The one field this view reads: updates of it redraw the view."""
        return (self.field_id,)

    def validate(self, scene: Scene) -> None:
        """A numeric 1-D field and at least one bin.

        Raises:
            SceneError: Naming the view, the field and the expected and actual dims.
        """
        super().validate(scene)  # the id, max_refresh_hz, and every field_ids() entry exists
        self.scene_field(scene, self.field_id, ndim=1, numeric=True, expected="one value per entity")
        if isinstance(self.bins, bool) or not isinstance(self.bins, int) or self.bins < 1:
            raise SceneError(f"view {self.id!r}: bins must be a positive integer, got {self.bins!r}")
