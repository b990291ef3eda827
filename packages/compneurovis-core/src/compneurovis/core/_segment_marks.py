"""`SegmentMark`: a labelled point on a morphology (a stimulus, a synapse, the user's own note)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import SceneError
from ._geometry import MorphologyGeometry
from ._wire import wire

#: Kinds a frontend draws in their own colour; any other string is allowed and drawn as ``"user"``.
MARK_KINDS = ("stimulus", "synapse", "point_process", "user")


@wire("segment_mark")
@dataclass(frozen=True, kw_only=True)
class SegmentMark:
    """A glyph with a label on one segment of a morphology view.

    Args:
        entity_id: The segment (an entity id of the view's geometry).
        label: Text beside the glyph, e.g. ``"IClamp[0]"``.
        kind: ``"stimulus"``, ``"synapse"``, ``"point_process"`` or ``"user"``
            (the default); frontends colour by it.
    """

    entity_id: str
    label: str = ""
    kind: str = "user"


def as_segment_marks(marks: Any) -> Any:
    """``marks`` as a tuple, ``(entity_id, label)`` pairs turned into `SegmentMark`; other items kept for validation."""
    if isinstance(marks, str) or not isinstance(marks, Sequence):
        return marks
    out = []
    for mark in marks:
        if (isinstance(mark, list | tuple) and len(mark) == 2 and isinstance(mark[0], str)
                and isinstance(mark[1], str)):
            mark = SegmentMark(entity_id=mark[0], label=mark[1])
        out.append(mark)
    return tuple(out)


def check_segment_marks(view_id: str, marks: Any, geometry: MorphologyGeometry) -> None:
    """Check that every mark is a `SegmentMark` on a segment of ``geometry``.

    Raises:
        SceneError: Naming the view, the mark's position and what is wrong (an
            entity id that is not a segment of the geometry names a few that are).
    """
    if not isinstance(marks, tuple):
        raise SceneError(f"view {view_id!r}: marks must be a sequence of SegmentMark, got {type(marks).__name__}")
    for k, mark in enumerate(marks):
        if not isinstance(mark, SegmentMark):
            raise SceneError(f"view {view_id!r}: mark {k} is {mark!r}, not a SegmentMark or an "
                             f"(entity_id, label) pair")
        if not all(isinstance(v, str) for v in (mark.entity_id, mark.label, mark.kind)):
            raise SceneError(f"view {view_id!r}: mark {k} needs str entity_id, label and kind, got {mark!r}")
        if not geometry.has_entity(mark.entity_id):
            some = ", ".join(repr(e) for e in list(geometry.entity_ids)[:3])
            raise SceneError(f"view {view_id!r}: mark {k} ({mark.label!r}) is on {mark.entity_id!r}, which is "
                             f"not a segment of geometry {geometry.id!r} (its segments are e.g. {some})")
