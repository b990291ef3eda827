"""Panels (what each visible area hosts) and the layout that arranges them."""

from __future__ import annotations

from dataclasses import dataclass

from ._wire import wire


@wire("panel_spec")
@dataclass(frozen=True, kw_only=True)
class PanelSpec:
    """One visible panel: views, controls and actions it hosts.

    Args:
        id: Id of the panel inside its Scene.
        kind: ``"view_3d"``, ``"line_plot"`` or ``"controls"``.
        view_ids: Views drawn in this panel.
        control_ids: Controls shown in this panel, in order.
        action_ids: Actions shown as buttons in this panel, in order.
        title: Panel title.
        visible: Whether the panel is shown.
    """

    id: str
    kind: str
    view_ids: tuple[str, ...] = ()
    control_ids: tuple[str, ...] = ()
    action_ids: tuple[str, ...] = ()
    title: str = ""
    visible: bool = True


@wire("layout_spec")
@dataclass(frozen=True, kw_only=True)
class LayoutSpec:
    """Columns of panels: each column is a vertical stack of panel ids.

    Args:
        columns: Panel ids per column, left to right, each top to bottom.
        column_weights: Relative widths of the columns (default equal).
    """

    columns: tuple[tuple[str, ...], ...]
    column_weights: tuple[float, ...] = ()

    def panel_ids(self) -> tuple[str, ...]:
        """All panel ids in the layout, column by column."""
        return tuple(pid for column in self.columns for pid in column)
