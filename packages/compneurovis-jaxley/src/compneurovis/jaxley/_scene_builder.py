"""`JaxleySceneBuilder`: the default Scene of a Jaxley session."""

from __future__ import annotations

from typing import Any

import numpy as np

from compneurovis.core import MorphologyGeometry, MorphologySceneBuilder

from ._morphology import build_geometry


class JaxleySceneBuilder(MorphologySceneBuilder):
    """Build default morphology geometry and Scene objects for Jaxley sessions."""

    @staticmethod
    def build_morphology_geometry(
        nodes: Any,
        *,
        xyzr: list[np.ndarray] | tuple[np.ndarray, ...] | None = None,
        cell_names: list[str] | tuple[str, ...] | None = None,
    ) -> MorphologyGeometry:
        """Convert Jaxley morphology/network data into MorphologyGeometry.

        One entity per compartment, in the order of ``nodes``' rows (the order of
        Jaxley's voltage state), with id ``"<cell>.branch<b>[<k>]"`` (``b`` the
        branch index within its cell, ``k`` the compartment within its branch).
        Compartment ``k`` of ``ncomp`` spans the arc-length fractions
        ``[k / ncomp, (k + 1) / ncomp]`` of its branch's traced points and is
        drawn along every traced point inside that span; its ``start``/``end``
        midpoint is Jaxley's own compartment centre.

        Branches without traced coordinates (``xyzr`` missing or NaN, e.g. cells
        built from ``jx.Branch`` without ``compute_xyz()``) are laid out as
        straight lines along +x, one row per branch, 10 µm apart. A branch of a
        single traced point (a one-point soma) is drawn along x, centred on the
        point, with its compartment length. When the bounding boxes of cells
        overlap (cells copied without ``move``), cells are placed side by side
        along x, 20 µm apart, in cell order; otherwise coordinates are kept.

        Args:
            nodes: The module's ``.nodes`` DataFrame (columns
                ``global_cell_index``, ``global_branch_index``,
                ``global_comp_index``, ``length``, ``radius``).
            xyzr: The module's ``.xyzr``: per global branch, an ``(m, 4)`` array
                of traced ``x, y, z, r``.
            cell_names: One unique name per cell (default ``cell0``, ``cell1``...).

        Returns:
            The geometry, with id ``"morphology"``.

        Raises:
            ValueError: If ``nodes`` lacks a column or ``cell_names`` does not
                match the cells.
        """
        return build_geometry(nodes, xyzr=xyzr, cell_names=cell_names)
