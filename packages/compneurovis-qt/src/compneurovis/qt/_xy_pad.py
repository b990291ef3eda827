"""A small 2-D pad: drag the dot to set an ``(x, y)`` value."""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QWidget


class XYPad(QWidget):
    """Square pad mapping a point to ``x_range`` x ``y_range`` (y grows upwards).

    Args:
        x_range: ``(min, max)`` of x.
        y_range: ``(min, max)`` of y.
        value: Initial ``(x, y)``.
        parent: Parent widget.
    """

    valueChanged = pyqtSignal(float, float)

    def __init__(self, x_range: tuple[float, float], y_range: tuple[float, float],
                 value: tuple[float, float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_range, self.y_range = x_range, y_range
        self._value = (float(value[0]), float(value[1]))
        self.setMinimumSize(120, 120)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def sizeHint(self) -> QSize:
        return QSize(160, 160)

    def value(self) -> tuple[float, float]:
        """The current ``(x, y)``."""
        return self._value

    def setValue(self, value: tuple[float, float]) -> None:
        """Set ``(x, y)`` (clamped to the ranges) and emit `valueChanged` if it changed."""
        x = min(max(float(value[0]), self.x_range[0]), self.x_range[1])
        y = min(max(float(value[1]), self.y_range[0]), self.y_range[1])
        if (x, y) != self._value:
            self._value = (x, y)
            self.update()
            self.valueChanged.emit(x, y)

    def _area(self) -> QRectF:
        side = min(self.width(), self.height()) - 8
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_value(self, pos: QPointF) -> tuple[float, float]:
        area = self._area()
        fx = (pos.x() - area.left()) / max(area.width(), 1.0)
        fy = (area.bottom() - pos.y()) / max(area.height(), 1.0)
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))

    def _to_pos(self) -> QPointF:
        area = self._area()
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        fx = (self._value[0] - x0) / ((x1 - x0) or 1.0)
        fy = (self._value[1] - y0) / ((y1 - y0) or 1.0)
        return QPointF(area.left() + fx * area.width(), area.bottom() - fy * area.height())

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is not None:
            self.setValue(self._to_value(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.setValue(self._to_value(event.position()))

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self._area()
        painter.fillRect(area, QColor("#2a2c31"))
        painter.setPen(QPen(QColor("#464a52"), 1))
        painter.drawRect(area)
        painter.drawLine(QPointF(area.center().x(), area.top()), QPointF(area.center().x(), area.bottom()))
        painter.drawLine(QPointF(area.left(), area.center().y()), QPointF(area.right(), area.center().y()))
        painter.setPen(QPen(QColor("#5aa9ff"), 2))
        painter.setBrush(QColor("#5aa9ff"))
        painter.drawEllipse(self._to_pos(), 5.0, 5.0)
        painter.end()
