"""Command-line entry point (placeholder until the launcher lands)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the launcher; returns the process exit code."""
    print("compneurovis launcher: not built yet", file=sys.stderr)
    return 2
