"""History capture modes for live sessions."""

from __future__ import annotations

from enum import StrEnum

from ._wire import wire


@wire("history_capture_mode")
class HistoryCaptureMode(StrEnum):
    """Which entities a live session keeps a time history for.

    Attributes:
        ON_DEMAND: Keep the latest display state for every entity, and history
            only for the entities the user asks for (by clicking them).
        FULL: Keep history for every entity.

    Members compare equal to their string values, so
    ``HistoryCaptureMode("full") is HistoryCaptureMode.FULL``.
    """

    ON_DEMAND = "on_demand"
    FULL = "full"
