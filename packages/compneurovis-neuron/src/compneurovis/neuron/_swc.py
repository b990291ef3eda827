"""Load SWC reconstructions into NEURON sections, with clear errors for bad files.

NEURON's Import3d does the conversion, but never sees the user's file: the file
is parsed and checked here (`validate_swc`), fixed up in the documented ways
(parents first, ids 1..n, coincident points merged, the soma conventions of
`_swc_soma`), and written anew for Import3d, so that no bytes can crash NEURON
and every refusal names the file and line.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from ._swc_read import SwcFormatError, SwcTree, read_swc_tree

#: Default longest segment, in µm, used by `load_swc` to choose ``nseg``.
DEFAULT_MAX_SEGMENT_LENGTH = 5.0
#: Largest ``nseg`` `odd_nseg` gives: the largest odd one NEURON 9 accepts (32,767 fails to allocate).
MAX_NSEG = 32765


def validate_swc(path: str | os.PathLike[str]) -> int:
    """Check an SWC file completely, as `load_swc` does before NEURON sees it; return its number of samples.

    Each non-comment line must hold seven whitespace-separated fields
    ``id type x y z radius parent``: integer id (>= 0), type (>= 0) and parent
    (``-1`` or an id of the file); coordinates within ±1e7 µm; a radius from
    0.001 to 10,000 µm. Ids are unique, the file is one tree (one root, no
    cycle). Comments (``#`` to the end of the line) and blank lines are skipped.

    Args:
        path: The SWC file.

    Returns:
        The number of samples (points) in the file.

    Raises:
        SwcFormatError: Naming the file, line and field of the first problem found.
        OSError: If the file cannot be read.
    """
    return read_swc_tree(path).n_samples


def odd_nseg(length: float, max_segment_length: float) -> int:
    """Return the smallest odd ``nseg`` whose segments are at most ``max_segment_length`` long.

    At most 32,765 (NEURON's limit): a longer section gets longer segments.

    Args:
        length: Section length, in µm.
        max_segment_length: Longest allowed segment, in µm.
    """
    if max_segment_length <= 0:
        raise ValueError(f"max_segment_length must be positive, got {max_segment_length}")
    n = max(1, math.ceil(length / max_segment_length))
    return min(n if n % 2 else n + 1, MAX_NSEG)


def set_nseg(sections: Iterable[Any], max_segment_length: float = DEFAULT_MAX_SEGMENT_LENGTH) -> int:
    """Give every section an odd ``nseg`` with segments at most ``max_segment_length`` µm.

    Args:
        sections: NEURON sections.
        max_segment_length: Longest allowed segment, in µm.

    Returns:
        The total number of segments.
    """
    total = 0
    for sec in sections:
        sec.nseg = odd_nseg(sec.L, max_segment_length)
        total += sec.nseg
    return total


class _ImportedCell:
    """The cell object Import3d fills in; its name prefixes section names."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __str__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return self._name


class SwcSections(list):
    """The sections of one SWC cell, in Import3d's order (soma, dendrites, apical, axon).

    A plain list of sections that also keeps the Import3d cell object alive.

    Attributes:
        cell: The object the sections belong to (``sec.cell()``); its ``str`` is the cell name.
        path: The SWC file the cell was read from.
        types: The SWC type of each section (1 soma, 2 axon, 3 dendrite, 4
            apical dendrite, others as in the file), parallel to the list.
        soma_kind: The soma convention found in the file: ``"one point"``,
            ``"coincident points"``, ``"three-point"``, ``"contour"``,
            ``"cylinders"`` or ``"none"`` (see the package README).
        fixes: The fix-ups made to the file before NEURON saw it, one line each.
    """

    cell: Any
    path: Path
    types: list[int]
    soma_kind: str
    fixes: list[str]

    def of_type(self, *swc_types: int) -> list[Any]:
        """Return the sections whose SWC type is one of ``swc_types`` (e.g. ``of_type(1)``: the soma)."""
        return [sec for sec, kind in zip(self, self.types, strict=True) if kind in swc_types]


def _type_name(swc_type: int) -> str:
    """Import3d's name for the sections of an SWC type."""
    return {1: "soma", 2: "axon", 3: "dend", 4: "apic"}.get(swc_type, f"dend_{swc_type}")


def _instantiate(tree: SwcTree, path: str | os.PathLike[str], cell: _ImportedCell) -> None:
    """Run Import3d on ``tree`` written to a private temporary file."""
    from neuron import h

    h.load_file("stdlib.hoc")
    h.load_file("import3d.hoc")
    with tempfile.TemporaryDirectory(prefix="cnv-swc-") as folder:
        clean = os.path.join(folder, "cell.swc")
        with open(clean, "w", encoding="ascii") as handle:
            handle.write(tree.swc_text())
        reader = h.Import3d_SWC_read()
        reader.quiet = 1
        try:
            reader.input(clean)
            h.Import3d_GUI(reader, 0).instantiate(cell)
        except RuntimeError as exc:  # a hoc error: not expected after read_swc_tree's checks
            raise SwcFormatError(path, 0, f"NEURON's Import3d could not build the cell ({exc})") from None


def load_swc(
    path: str | os.PathLike[str],
    *,
    cell_name: str = "cell",
    max_segment_length: float | None = DEFAULT_MAX_SEGMENT_LENGTH,
) -> SwcSections:
    """Build NEURON sections from an SWC file through NEURON's Import3d.

    The file is checked first (see `validate_swc`) and fixed up before
    Import3d sees it: rows reordered so that parents come first and numbered
    1..n; a point at its parent's place merged into it; a soma of coincident
    points, NeuroMorpho's three-point soma or a soma contour made one point,
    which Import3d builds as a cylinder with ``L = diam = 2r`` (a sphere's
    area). Section names are ``"<cell_name>.soma[0]"``, ``"<cell_name>.dend[3]"``, ...
    from the SWC type; `SwcSections.types` gives each section's type.

    Args:
        path: The SWC file.
        cell_name: Name of the cell; prefixes the section names and entity ids.
        max_segment_length: Longest segment, in µm, when choosing each
            section's (odd) ``nseg``; ``None`` keeps Import3d's ``nseg``. The
            default (5 µm) gives the shipped CA1 cell 2,536 segments.

    Returns:
        The sections, as a list that also holds the cell object.

    Raises:
        SwcFormatError: If the file is malformed (message names file and line).
        OSError: If the file cannot be read.

    Example:
        >>> sections = load_swc("cell.swc", cell_name="pyr")  # doctest: +SKIP
        >>> sum(sec.nseg for sec in sections)                  # doctest: +SKIP
    """
    tree = read_swc_tree(path)
    cell = _ImportedCell(cell_name)
    _instantiate(tree, path, cell)
    sections = SwcSections(getattr(cell, "all", []))
    if not sections:
        raise SwcFormatError(path, 0, "Import3d produced no sections")
    kinds = {}
    for swc_type in {int(t) for t in tree.types}:
        for sec in getattr(cell, _type_name(swc_type), []):
            kinds[sec] = swc_type
    sections.cell = cell
    sections.path = Path(path)
    sections.types = [kinds[sec] for sec in sections]
    sections.soma_kind = tree.soma
    sections.fixes = list(tree.fixes)
    if max_segment_length is not None:
        set_nseg(sections, max_segment_length)
    return sections


def sample_swc_path(name: str = "ca1_n120.swc") -> Path:
    """Return the filesystem path of an SWC file shipped with compneurovis-core.

    Args:
        name: File name inside ``compneurovis.core``'s ``data`` folder; the
            default is the CA1 pyramidal cell n120 from NeuroMorpho.org.

    Raises:
        FileNotFoundError: If no such file is shipped (or it is not on disk).
    """
    resource = resources.files("compneurovis.core") / "data" / name
    path = Path(str(resource))
    if not path.is_file():
        raise FileNotFoundError(f"no shipped SWC file {name!r} at {path}")
    return path
