"""Hypothesis-drawn morphology files for the fuzz tests: each drawn example written to its own file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st


def draw_files(folder: Path, groups: list[tuple[str, st.SearchStrategy[bytes], int]],
               suffix: str) -> list[tuple[str, Path]]:
    """Write ``count`` examples of each ``(category, strategy, count)`` to ``folder``; return ``(category, path)``.

    Only hypothesis' generate phase runs (no shrinking, no example database):
    the files are loaded afterwards, in child processes, where a crash cannot
    take the test runner down.
    """
    cases: list[tuple[str, Path]] = []
    for category, strategy, count in groups:
        _draw(strategy, count, lambda content, category=category: _write(folder, cases, category, content, suffix))
    return cases


def _write(folder: Path, cases: list[tuple[str, Path]], category: str, content: bytes, suffix: str) -> None:
    path = folder / f"{category}_{len(cases):04d}{suffix}"
    path.write_bytes(content)
    cases.append((category, path))


def _draw(strategy: st.SearchStrategy[bytes], count: int, keep: Callable[[bytes], None]) -> None:
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def gather(content: bytes) -> None:
        keep(content)

    gather()
