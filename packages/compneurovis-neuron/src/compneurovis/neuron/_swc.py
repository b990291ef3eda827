"""Load SWC reconstructions into NEURON sections, with clear errors for bad files.

NEURON's Import3d does the conversion; before a file reaches it, every line is
checked here so that a malformed file fails with its path and line number
instead of Import3d's terse messages.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

#: Default longest segment, in µm, used by `load_swc` to choose ``nseg``.
DEFAULT_MAX_SEGMENT_LENGTH = 5.0


class SwcFormatError(ValueError):
    """A malformed SWC file; the message names the file and the line.

    Attributes:
        path: The file that failed.
        line: 1-based line number of the offending line (0 for whole-file problems).
    """

    def __init__(self, path: str | os.PathLike[str], line: int, problem: str) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: malformed SWC: {problem}")


def validate_swc(path: str | os.PathLike[str]) -> int:
    """Check an SWC file line by line; return its number of samples.

    Each non-comment line must hold seven whitespace-separated fields
    ``id type x y z radius parent``: integer id, type and parent, numeric
    coordinates and radius; ids are unique and every parent is ``-1`` or an id
    of the file.

    Args:
        path: The SWC file.

    Returns:
        The number of samples (points) in the file.

    Raises:
        SwcFormatError: Naming the file and line of the first problem found.
        OSError: If the file cannot be read.
    """
    ids: dict[int, int] = {}
    parents: list[tuple[int, int]] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for lineno, raw in enumerate(handle, start=1):
            text = raw.split("#", 1)[0].strip()
            if not text:
                continue
            fields = text.split()
            if len(fields) != 7:
                raise SwcFormatError(
                    path, lineno, f"expected 7 fields (id type x y z radius parent), found {len(fields)}: {text!r}"
                )
            names = ("id", "type", "x", "y", "z", "radius", "parent")
            for k, (name, value) in enumerate(zip(names, fields, strict=True)):
                integer = k in (0, 1, 6)
                try:
                    number = int(value) if integer else float(value)
                except ValueError:
                    kind = "an integer" if integer else "a number"
                    raise SwcFormatError(path, lineno, f"field {name!r} is not {kind}: {value!r}") from None
                if not integer and not math.isfinite(number):
                    raise SwcFormatError(path, lineno, f"field {name!r} is not finite: {value!r}")
            sample, parent = int(fields[0]), int(fields[6])
            if sample in ids:
                raise SwcFormatError(path, lineno, f"sample id {sample} repeats the one on line {ids[sample]}")
            ids[sample] = lineno
            parents.append((lineno, parent))
    if not ids:
        raise SwcFormatError(path, 0, "no samples found")
    for lineno, parent in parents:
        if parent != -1 and parent not in ids:
            raise SwcFormatError(path, lineno, f"parent id {parent} is not a sample of this file")
    if all(parent != -1 for _, parent in parents):
        raise SwcFormatError(path, 0, "no root sample (parent -1)")
    return len(ids)


def odd_nseg(length: float, max_segment_length: float) -> int:
    """Return the smallest odd ``nseg`` whose segments are at most ``max_segment_length`` long.

    Args:
        length: Section length, in µm.
        max_segment_length: Longest allowed segment, in µm.
    """
    if max_segment_length <= 0:
        raise ValueError(f"max_segment_length must be positive, got {max_segment_length}")
    n = max(1, math.ceil(length / max_segment_length))
    return n if n % 2 else n + 1


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
    """

    cell: Any
    path: Path


def load_swc(
    path: str | os.PathLike[str],
    *,
    cell_name: str = "cell",
    max_segment_length: float | None = DEFAULT_MAX_SEGMENT_LENGTH,
) -> SwcSections:
    """Build NEURON sections from an SWC file through NEURON's Import3d.

    The file is validated first (see `validate_swc`). Section names are
    ``"<cell_name>.soma[0]"``, ``"<cell_name>.dend[3]"``, ...

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

    Example:
        >>> sections = load_swc("cell.swc", cell_name="pyr")  # doctest: +SKIP
        >>> sum(sec.nseg for sec in sections)                  # doctest: +SKIP
    """
    from neuron import h

    validate_swc(path)
    h.load_file("stdlib.hoc")
    h.load_file("import3d.hoc")
    reader = h.Import3d_SWC_read()
    reader.quiet = 1
    reader.input(str(path))
    gui = h.Import3d_GUI(reader, 0)
    cell = _ImportedCell(cell_name)
    gui.instantiate(cell)
    sections = SwcSections(getattr(cell, "all", []))
    if not sections:
        raise SwcFormatError(path, 0, "Import3d produced no sections")
    sections.cell = cell
    sections.path = Path(path)
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
