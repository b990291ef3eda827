"""The dark theme: Qt palette, style sheet and plot colours shared by every panel."""

from __future__ import annotations

from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication, QWidget

PLOT_BACKGROUND = "#17181c"
PLOT_FOREGROUND = "#d8dade"
ACCENT = "#5aa9ff"
ERROR_BACKGROUND = "#8e1d22"

#: Curve colours, bright enough on the dark background, distinguishable.
SERIES_COLORS = ("#5aa9ff", "#ffb000", "#ff5d73", "#4fd18b", "#c38cff", "#ffe66d",
                 "#40e0d0", "#ff8c42", "#a0c4ff", "#f4a6d7")

STYLE_SHEET = f"""
QMainWindow, QWidget {{ background-color: #202125; color: {PLOT_FOREGROUND}; font-size: 10.5pt; }}
QGroupBox {{ border: 1px solid #3a3c42; border-radius: 6px; margin-top: 14px; padding: 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: #aeb4be; }}
QPushButton {{ background-color: #2f3238; border: 1px solid #464a52; border-radius: 4px; padding: 5px 12px; }}
QPushButton:hover {{ background-color: #3a3e46; border-color: {ACCENT}; }}
QPushButton:pressed {{ background-color: #25272c; }}
QStatusBar {{ background-color: #17181c; color: #b9bec7; }}
QSplitter::handle {{ background-color: #2a2c31; }}
QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit {{ background-color: #2a2c31; border: 1px solid #464a52;
    border-radius: 3px; padding: 2px 4px; }}
QToolTip {{ background-color: #2a2c31; color: {PLOT_FOREGROUND}; border: 1px solid #464a52; }}
QFrame#errorBanner {{ background-color: {ERROR_BACKGROUND}; border-radius: 4px; }}
QFrame#errorBanner QLabel, QFrame#errorBanner QPushButton {{ background-color: transparent; color: white; }}
QFrame#errorBanner QPlainTextEdit {{ background-color: #2a0d0f; color: #ffd7d9;
    font-family: monospace; font-size: 9pt; }}
"""

LIGHT_STYLE_SHEET = """
QFrame#errorBanner { background-color: #c62828; border-radius: 4px; }
QFrame#errorBanner QLabel, QFrame#errorBanner QPushButton { background-color: transparent; color: white; }
"""


def apply_theme(widget: QWidget, theme: str = "dark") -> None:
    """Style ``widget`` (and its children) with ``theme`` (``"dark"`` or ``"light"``)."""
    widget.setStyleSheet(STYLE_SHEET if theme == "dark" else LIGHT_STYLE_SHEET)


def apply_app_palette(app: QApplication, theme: str = "dark") -> None:
    """Give the whole application the Fusion style and a dark palette."""
    if theme != "dark":
        return
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202125"), (QPalette.ColorRole.WindowText, PLOT_FOREGROUND),
        (QPalette.ColorRole.Base, "#2a2c31"), (QPalette.ColorRole.AlternateBase, "#24262a"),
        (QPalette.ColorRole.Text, PLOT_FOREGROUND), (QPalette.ColorRole.Button, "#2f3238"),
        (QPalette.ColorRole.ButtonText, PLOT_FOREGROUND), (QPalette.ColorRole.Highlight, ACCENT),
        (QPalette.ColorRole.HighlightedText, "#000000"), (QPalette.ColorRole.ToolTipBase, "#2a2c31"),
        (QPalette.ColorRole.ToolTipText, PLOT_FOREGROUND),
    ):
        palette.setColor(role, QColor(color))
    app.setPalette(palette)
