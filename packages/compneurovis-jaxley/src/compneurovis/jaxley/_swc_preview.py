"""The shape of an SWC cell before Jaxley has built it: a Scene to show while ``jx.read_swc`` runs.

``jx.read_swc`` compartmentalises a reconstruction with many small JAX
programs; with no compilation cache that takes 10-20 s on a laptop. Jaxley's
own first stage, ``jaxley.io.graph.to_swc_graph``, only parses the file (a
tenth of a second for 2,600 points). Its points, one tube from each to its
parent, are the same 3-D points the compartments are later cut from, so the
window can show the cell, grey, while the model builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from compneurovis.core import MorphologyGeometry, MorphologySceneBuilder, Scene, SceneError

#: The status line of such a Scene.
SWC_PREVIEW_STATUS = "the SWC file's points (grey) while Jaxley builds the model; a first start compiles it"
#: SWC structure identifiers (the type column) to names.
_SWC_TYPES = {1: "soma", 2: "axon", 3: "basal", 4: "apical"}


def swc_preview_scene(path: str | Path, *, title: str = "CompNeuroVis", cell_name: str = "cell",
                      color_limits: tuple[float, float] | None = (-80.0, 40.0), unit: str = "mV") -> Scene:
    """A Scene of the SWC file's points, one grey tube per point and its parent, parsed by Jaxley's own reader.

    Args:
        path: The SWC file.
        title: Title of the Scene and its morphology view.
        cell_name: Cell name of every entity.
        color_limits: Colour limits of the morphology view (its values are all NaN, drawn grey).
        unit: Unit of the display field.

    Returns:
        The Scene, with `SWC_PREVIEW_STATUS` as its status; entity ids are ``swc<N>`` for SWC point ``N``.

    Raises:
        ValueError: If Jaxley cannot read the file, or it has no point with a parent (the message names the file).
    """
    from jaxley.io.graph import to_swc_graph  # parses only: no JAX program runs

    try:
        nodes = to_swc_graph(str(path)).nodes(data=True)
    except Exception as exc:  # Jaxley's reader raises whatever its parsing met
        raise ValueError(f"{path}: Jaxley's SWC reader failed ({type(exc).__name__}: {exc})") from exc
    keys = [key for key, _ in nodes]  # the file's point ids as parsed (not cast: 0 and 0.5 are two points)
    data = [d for _, d in nodes]
    xyz = np.array([[d["x"], d["y"], d["z"]] for d in data], dtype=np.float64)
    radius = np.array([d["r"] for d in data], dtype=np.float64)
    kind = [d.get("id", 0) for d in data]
    row_of = {key: row for row, key in enumerate(keys)}
    parent_row = np.array([row_of.get(d["p"], -1) for d in data])
    tubes = np.flatnonzero(parent_row >= 0)  # one tube per point with a parent, drawn from the parent
    if tubes.size == 0:
        raise ValueError(f"{path}: no SWC point has a parent; nothing to draw")
    try:
        geometry = _geometry(keys, kind, xyz, radius, parent_row, tubes, cell_name)
    except SceneError as exc:  # a point the file holds twice under one name, say: name the file
        raise ValueError(f"{path}: {exc}") from exc
    scene = MorphologySceneBuilder.build_scene(
        geometry=geometry, display_values=np.full(tubes.size, np.nan, dtype=np.float32),
        trace_values=np.zeros((0, 0), dtype=np.float32), trace_segment_ids=np.array([], dtype=str),
        trace_times=np.zeros(0), display_unit=unit, morphology_color_limits=color_limits, title=title)
    scene.status = SWC_PREVIEW_STATUS
    return scene


def _name(number: Any) -> str:
    """``3`` for 3 or 3.0, ``0.5`` for 0.5: how a parsed SWC number reads in an id."""
    return str(int(number)) if float(number).is_integer() else str(number)


def _geometry(keys: list[Any], kind: list[Any], xyz: np.ndarray, radius: np.ndarray, parent_row: np.ndarray,
              tubes: np.ndarray, cell_name: str) -> MorphologyGeometry:
    entity_of_row = np.full(len(keys), -1)
    entity_of_row[tubes] = np.arange(tubes.size)
    start, end = xyz[parent_row[tubes]], xyz[tubes]
    return MorphologyGeometry(
        id="morphology",
        entity_ids=tuple(f"swc{_name(keys[row])}" for row in tubes),
        cell_names=(cell_name,) * tubes.size,
        section_names=tuple(_SWC_TYPES.get(kind[row], f"type{_name(kind[row])}") for row in tubes),
        xloc=np.full(tubes.size, 0.5),
        start=start,
        end=end,
        radius=(radius[parent_row[tubes]] + radius[tubes]) / 2,
        length=np.linalg.norm(end - start, axis=1),
        parent=entity_of_row[parent_row[tubes]],
    )
