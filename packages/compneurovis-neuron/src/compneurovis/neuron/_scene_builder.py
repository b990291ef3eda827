"""`NeuronSceneBuilder`: the default Scene of a NEURON session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compneurovis.core import MorphologyGeometry, MorphologySceneBuilder

from ._geometry import build_morphology_geometry


class NeuronSceneBuilder(MorphologySceneBuilder):
    """Build default morphology geometry and Scene objects for NEURON sessions."""

    @staticmethod
    def build_morphology_geometry(sections: Iterable[Any]) -> MorphologyGeometry:
        """Convert NEURON sections with pt3d data into MorphologyGeometry.

        One entity per segment, with id ``"<cell>.<section>[<index>]"`` and
        label ``"<section name>(<x>)"``; sections without 3-D points get them
        from ``h.define_shape()``.

        Args:
            sections: The sections, in the order their segments should appear.

        Returns:
            The geometry.
        """
        return build_morphology_geometry(sections)
