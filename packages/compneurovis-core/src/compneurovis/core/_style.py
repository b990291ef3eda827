"""`MorphologyStyle`: the display constants of a live morphology session, in one frozen object."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MorphologyStyle:
    """How a `LiveMorphologySession` labels and colours what it shows.

    A session reads its style from the class attribute
    `LiveMorphologySession.style`; give a subclass its own with
    ``style = MorphologyStyle(display_unit="a.u.", color_limits=(-2.0, 2.0))``
    or ``dataclasses.replace(Base.style, ...)``. The session's methods of the
    same meaning (`display_unit()`, `morphology_color_limits()`, ...) return
    these values and may still be overridden one by one.

    Attributes:
        display_field_id: Id of the per-entity display field (``None``: the
            scene builder's ``DISPLAY_FIELD_ID``, ``"segment_display"``).
        history_field_id: Id of the per-entity history field (``None``: the
            scene builder's ``HISTORY_FIELD_ID``, ``"segment_history"``).
        display_unit: Unit of the display values (``"mV"``).
        history_unit: Unit of the history values (``None``: the display unit).
        color_map: Colour map of the morphology view (``"scalar"``).
        color_limits: Colour limits of the morphology view (``(-80.0, 40.0)``;
            ``None`` is automatic).
        color_norm: Colour normalisation of the morphology view (``"auto"``).
        trace_title: Title of the trace plot (``"Membrane potential"``).
        trace_y_label: Y label of the trace plot (``"V"``).
        trace_y_unit: Y unit of the trace plot (``None``: the history unit).
    """

    display_field_id: str | None = None
    history_field_id: str | None = None
    display_unit: str | None = "mV"
    history_unit: str | None = None
    color_map: str = "scalar"
    color_limits: tuple[float, float] | None = (-80.0, 40.0)
    color_norm: str = "auto"
    trace_title: str = "Membrane potential"
    trace_y_label: str = "V"
    trace_y_unit: str | None = None
