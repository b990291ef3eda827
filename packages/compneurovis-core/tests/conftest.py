"""Shared fixtures for compneurovis-core tests."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from compneurovis.core import MorphologyGeometry, MorphologySceneBuilder, Scene

# Sessions run in spawned workers must be importable there by a top-level name;
# spawn hands the parent's sys.path to the child.
sys.path.insert(0, str(Path(__file__).parent))


def line_geometry(n: int = 5) -> MorphologyGeometry:
    """``n`` unit segments along x, each the child of the previous."""
    ids = [f"cell.dend[{i}]" for i in range(n)]
    return MorphologyGeometry(
        id="morphology", entity_ids=ids, cell_names=["cell"] * n, section_names=["dend"] * n,
        xloc=(np.arange(n) + 0.5) / n, start=[(i, 0, 0) for i in range(n)],
        end=[(i + 1, 0, 0) for i in range(n)], radius=np.ones(n), length=np.ones(n),
        parent=np.arange(n) - 1, labels=[f"dend({(i + 0.5) / n:.2f})" for i in range(n)],
    )


@pytest.fixture
def geometry() -> MorphologyGeometry:
    return line_geometry()


@pytest.fixture
def scene(geometry: MorphologyGeometry) -> Scene:
    return MorphologySceneBuilder.build_scene(
        geometry=geometry, display_values=np.zeros(5), trace_values=np.zeros((2, 1)),
        trace_segment_ids=np.array(["cell.dend[0]"]), trace_times=np.array([0.0, 0.1]),
        display_unit="mV",
    )
