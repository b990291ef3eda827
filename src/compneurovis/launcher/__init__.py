"""The ``compneurovis`` command: list and run installed demos (filled in by issue 6)."""

from ._cli import main

__all__ = ["main"]
