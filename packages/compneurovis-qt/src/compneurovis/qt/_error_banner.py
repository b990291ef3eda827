"""A red banner for `Error` updates: the message, a details expander with the traceback."""

from __future__ import annotations

from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class ErrorBanner(QFrame):
    """Hidden until `show_error`; the window stays usable underneath."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setStyleSheet("QFrame#errorBanner { background-color: #8e1d22; border-radius: 4px; }"
                           "QFrame#errorBanner QLabel { color: white; font-weight: bold; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        row = QHBoxLayout()
        layout.addLayout(row)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.details_button = QPushButton("Details")
        self.details_button.setCheckable(True)
        self.dismiss_button = QPushButton("Dismiss")
        row.addWidget(self.label, 1)
        row.addWidget(self.details_button)
        row.addWidget(self.dismiss_button)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(220)
        self.details.hide()
        layout.addWidget(self.details)
        self.details_button.toggled.connect(self.details.setVisible)
        self.dismiss_button.clicked.connect(self.hide)
        self.count = 0
        self.fatal_shown = False
        self.hide()

    def show_error(self, message: str, traceback: str | None = None, *, fatal: bool = False) -> None:
        """Show ``message`` (and keep ``traceback`` behind the Details button).

        Once a fatal error is shown it stays the headline (it is the cause);
        later errors are added to the details.
        """
        self.count += 1
        if self.fatal_shown and self.isVisible():
            self.details.appendPlainText(f"\n--- later: {message}\n{traceback or ''}")
            self.details_button.setVisible(True)
            return
        self.fatal_shown = fatal
        prefix = "Session stopped: " if fatal else "Error: "
        more = f"  (+{self.count - 1} earlier)" if self.count > 1 else ""
        self.label.setText(prefix + message + more)
        self.label.setToolTip(traceback or message)
        self.details.setPlainText(traceback or message)
        self.details_button.setVisible(bool(traceback))
        self.show()

    @property
    def message(self) -> str:
        """The text shown."""
        return self.label.text()
