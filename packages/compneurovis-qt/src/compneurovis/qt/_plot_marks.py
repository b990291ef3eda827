"""A line plot's `AxisMark`s drawn as labelled vertical lines (pyqtgraph InfiniteLine)."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg

from compneurovis.core import AxisMark

#: Line colour per mark kind (others: `DEFAULT_MARK_COLOR`).
MARK_COLORS = {"control": "#ffb000", "action": "#40e0d0", "reset": "#ff5d73"}
DEFAULT_MARK_COLOR = "#aeb4be"
#: Heights (fraction of the plot, from the bottom) that successive labels cycle through, so near marks stay readable.
LABEL_POSITIONS = (0.95, 0.85, 0.75, 0.65)


class MarkLines:
    """The vertical lines of one plot's marks, kept in data coordinates so they scroll with the x axis.

    Args:
        plot: The pyqtgraph plot item to draw on.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.marks: tuple[AxisMark, ...] = ()
        self.lines: list[pg.InfiniteLine] = []

    def set_marks(self, marks: Sequence[AxisMark]) -> None:
        """Show exactly ``marks`` (nothing is redrawn when they are unchanged)."""
        marks = tuple(marks)
        if marks == self.marks:
            return
        for line in self.lines:
            self.plot.removeItem(line)
        self.lines = []
        for k, mark in enumerate(marks):
            color = MARK_COLORS.get(mark.kind, DEFAULT_MARK_COLOR)
            line = pg.InfiniteLine(
                pos=float(mark.x), angle=90, movable=False,
                pen=pg.mkPen(color, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine),
                label=mark.label or None,
                labelOpts={"position": LABEL_POSITIONS[k % len(LABEL_POSITIONS)], "color": color,
                           "fill": pg.mkBrush(23, 24, 28, 200), "anchors": [(1, 0.5), (1, 0.5)]},
            )
            line.setToolTip(mark.label)  # labels sit left of their line: the newest mark is at the right edge
            line.setZValue(-5)  # behind the curves
            self.plot.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        self.marks = marks

    def label_texts(self) -> list[str]:
        """The label text of each line, in mark order (``""`` for an unlabelled mark)."""
        labels = (getattr(line, "label", None) for line in self.lines)  # pyqtgraph sets it only when labelled
        return [label.toPlainText() if label is not None else "" for label in labels]
