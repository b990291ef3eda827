"""`SwcCellSession`: a NEURON session on a reconstructed cell read from SWC."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._morphology_files import load_morphology
from ._session import NeuronSession
from ._swc import DEFAULT_MAX_SEGMENT_LENGTH, SwcSections, sample_swc_path


class SwcCellSession(NeuronSession):
    """A session whose morphology is one reconstruction (SWC, or any format `load_morphology` reads).

    By default: the CA1 pyramidal cell shipped with compneurovis-core, Hodgkin-
    Huxley channels in the soma and a passive membrane everywhere else. The
    soma is the sections of SWC type 1 (never found by name); in a file
    without soma points, the root section (where the tree starts) stands in
    for it.
    Override `setup_model` (calling ``super().setup_model(sections)`` to keep
    the channels) to add stimuli.

    Args:
        swc_path: The morphology file (``.swc``, ``.asc``, ``.xml``/``.nml``, ``.h5``; the reader is
            picked by suffix); default: `sample_swc_path` (CA1 cell n120).
        cell_name: Cell name; prefixes section names and entity ids.
        max_segment_length: Longest segment, in µm, when setting ``nseg``.
        **kwargs: `NeuronSession` arguments (``dt``, ``display_dt``, ...).

    Attributes:
        soma: The soma sections (SWC type 1), or ``[root section]`` if there are none.
        swc_sections: The `SwcSections` read by `build_sections` (their types and soma convention).
    """

    swc_path: str | os.PathLike[str] | None = None
    cell_name = "cell"
    max_segment_length: float | None = DEFAULT_MAX_SEGMENT_LENGTH

    def __init__(
        self,
        swc_path: str | os.PathLike[str] | None = None,
        *,
        cell_name: str | None = None,
        max_segment_length: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if swc_path is not None:
            self.swc_path = swc_path
        if cell_name is not None:
            self.cell_name = cell_name
        if max_segment_length is not None:
            self.max_segment_length = max_segment_length
        self.soma: list[Any] = []
        self.swc_sections: SwcSections | None = None

    def build_sections(self) -> list[Any]:
        """Read the morphology file (`load_morphology`: SWC, Neurolucida, NeuroML or MorphIO, by suffix)."""
        path = Path(self.swc_path) if self.swc_path is not None else sample_swc_path()
        self.swc_sections = load_morphology(path, cell_name=self.cell_name,
                                            max_segment_length=self.max_segment_length)
        return self.swc_sections

    def setup_model(self, sections: list[Any]) -> None:
        """Insert ``hh`` in the soma and ``pas`` (-65 mV) elsewhere; Ra 100 Ω·cm, cm 1 µF/cm²."""
        swc = sections if isinstance(sections, SwcSections) else self.swc_sections
        if swc is None:
            raise TypeError("SwcCellSession.setup_model needs the SwcSections that build_sections returns")
        self.soma = swc.of_type(1) or [sec for sec in swc if sec.parentseg() is None][:1]
        for sec in sections:
            sec.Ra = 100.0
            sec.cm = 1.0
            if sec in self.soma:
                sec.insert("hh")
            else:
                sec.insert("pas")
                for seg in sec:
                    seg.pas.g = 1e-4
                    seg.pas.e = -65.0
