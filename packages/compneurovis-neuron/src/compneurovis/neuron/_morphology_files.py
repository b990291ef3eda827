"""Morphology files of every common format into NEURON sections: `load_morphology` picks the reader.

SWC goes through `load_swc`; Neurolucida ``.asc`` and NeuroML (v1 MorphML)
``.xml``/``.nml`` through NEURON's own Import3d readers, after a check here
that names the file and line of what Import3d would choke on; MorphIO-readable
files (``.h5``, and ``.asc``/``.swc`` with ``reader="morphio"``) through the
optional ``morphio`` package (``pip install "compneurovis-neuron[morphio]"``),
whose points are handed to the SWC path.
"""

from __future__ import annotations

import gc
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from ._morphology_checks import check_neurolucida, check_neuroml
from ._swc import DEFAULT_MAX_SEGMENT_LENGTH, SwcSections, _ImportedCell, load_swc, set_nseg, validate_swc
from ._swc_read import MorphologyFormatError, SwcFormatError

#: File suffix -> the reader `load_morphology` uses for it.
MORPHOLOGY_READERS = {".swc": "swc", ".asc": "neurolucida", ".xml": "neuroml", ".nml": "neuroml", ".h5": "morphio"}
#: Import3d section-name prefix -> SWC type.
_TYPES = {"soma": 1, "axon": 2, "dend": 3, "apic": 4}


def _import3d(reader_class: str, path: Path, cell_name: str, what: str) -> SwcSections:
    from neuron import h

    h.load_file("stdlib.hoc")
    h.load_file("import3d.hoc")
    reader = getattr(h, reader_class)()
    if hasattr(reader, "quiet"):
        reader.quiet = 1
    cell = _ImportedCell(cell_name)
    try:
        with warnings.catch_warnings():  # NEURON's NeuroML reader never closes the file it opens
            warnings.simplefilter("ignore", ResourceWarning)
            reader.input(str(path))
            gc.collect()
        if getattr(reader, "err", 0):
            raise MorphologyFormatError(path, 0, f"NEURON's {what} reader reported errors in the file")
        h.Import3d_GUI(reader, 0).instantiate(cell)
    except RuntimeError as exc:
        raise MorphologyFormatError(path, 0, f"NEURON's Import3d could not build the cell ({exc})") from None
    sections = SwcSections(getattr(cell, "all", []))
    if not sections:
        raise MorphologyFormatError(path, 0, f"no cell in the file (NEURON's {what} reader found no sections)")
    sections.cell = cell
    sections.path = path
    sections.types = [_TYPES.get(sec.name().split(".")[-1].split("[")[0], 3) for sec in sections]
    sections.soma_kind = "contour" if what == "Neurolucida" and sections.types.count(1) else "none"
    sections.fixes = []
    return sections


def _swc_rows(morphology: Any) -> list[tuple[int, float, float, float, float, int]]:
    """Rows ``(type, x, y, z, radius, parent row)`` of a MorphIO morphology, soma first (one point)."""
    rows: list[tuple[int, float, float, float, float, int]] = []
    soma = morphology.soma.points
    if len(soma):
        centre = soma.mean(axis=0)
        radius = float(((soma - centre) ** 2).sum(axis=1).max() ** 0.5) if len(soma) > 1 else float(
            morphology.soma.diameters[0]) / 2.0
        rows.append((1, *map(float, centre), max(radius, 0.01), -1))
    last: dict[int, int] = {}
    for section in morphology.iter():
        points, diameters = section.points, section.diameters
        parent = last[section.parent.id] if not section.is_root else (0 if rows else -1)
        start = 1 if (not section.is_root and len(points) > 1
                      and (points[0] == rows[parent][1:4]).all()) else 0
        for point, diameter in zip(points[start:], diameters[start:], strict=True):
            rows.append((int(section.type), *map(float, point), float(diameter) / 2.0, parent))
            parent = len(rows) - 1
        last[section.id] = parent
    return rows


def _open_morphio(path: Path) -> Any:
    try:
        import morphio
    except ImportError:
        raise ImportError(f"reading {path.name} needs MorphIO: pip install \"compneurovis-neuron[morphio]\"") from None
    morphio.set_maximum_warnings(0)
    try:
        morphology = morphio.Morphology(str(path))
    except morphio.MorphioError as exc:
        line = 0
        text = str(exc).strip()
        head = text.split(":", 2)
        if len(head) > 2 and head[1].strip().isdigit():  # MorphIO writes "file:line:..." for text formats
            line = int(head[1])
        raise MorphologyFormatError(path, line, f"MorphIO: {text.splitlines()[-1][:300]}") from None
    except UnicodeDecodeError:  # MorphIO hands a text file's bytes to Python undecoded
        data = path.read_bytes()
        try:
            data.decode("utf-8")
            line = 0
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
        raise MorphologyFormatError(path, line, "not UTF-8 text") from None
    except (IndexError, RuntimeError, ValueError, OverflowError) as exc:  # MorphIO's C++ errors on odd files
        raise MorphologyFormatError(path, 0, f"MorphIO could not read it ({type(exc).__name__}: "
                                             f"{str(exc)[:200]})") from None
    return morphology


def _load_morphio(path: Path, cell_name: str, max_segment_length: float | None) -> SwcSections:
    rows = _swc_rows(_open_morphio(path))
    if not rows:
        raise MorphologyFormatError(path, 0, "MorphIO found no points")
    with tempfile.TemporaryDirectory(prefix="cnv-morphio-") as folder:
        swc = Path(folder) / "cell.swc"
        swc.write_text("".join(f"{k + 1} {t} {x!r} {y!r} {z!r} {r!r} {p + 1 if p >= 0 else -1}\n"
                               for k, (t, x, y, z, r, p) in enumerate(rows)), encoding="ascii")
        try:
            sections = load_swc(swc, cell_name=cell_name, max_segment_length=max_segment_length)
        except SwcFormatError as exc:
            raise MorphologyFormatError(path, 0, f"MorphIO's points do not make a cell: {exc}") from None
    sections.path = path
    return sections


def _reader_of(path: Path, reader: str | None) -> str:
    kind = reader or MORPHOLOGY_READERS.get(path.suffix.lower())
    if kind not in {"swc", "neurolucida", "neuroml", "morphio"}:
        known = ", ".join(sorted(MORPHOLOGY_READERS))
        raise ValueError(f"{path}: no morphology reader for {reader or path.suffix or 'a file without suffix'!r}; "
                         f"known suffixes: {known} (or reader='swc'|'neurolucida'|'neuroml'|'morphio')")
    return kind


def validate_morphology(path: str | os.PathLike[str], *, reader: str | None = None) -> str:
    """Check a morphology file without building sections (no NEURON needed); return the reader it needs.

    SWC files are checked completely (`validate_swc`); Neurolucida and NeuroML
    files as far as `load_morphology` checks them before Import3d; MorphIO
    files are read by MorphIO.

    Raises:
        MorphologyFormatError: Naming the file (and line) of a malformed file.
        ValueError: For a suffix or reader `load_morphology` does not know.
    """
    path = Path(path)
    kind = _reader_of(path, reader)
    if kind == "swc":
        validate_swc(path)
    elif kind == "neurolucida":
        check_neurolucida(path)
    elif kind == "neuroml":
        check_neuroml(path)
    else:
        if not _swc_rows(_open_morphio(path)):
            raise MorphologyFormatError(path, 0, "MorphIO found no points")
    return kind


def load_morphology(
    path: str | os.PathLike[str],
    *,
    cell_name: str = "cell",
    max_segment_length: float | None = DEFAULT_MAX_SEGMENT_LENGTH,
    reader: str | None = None,
) -> SwcSections:
    """Build NEURON sections from a morphology file, choosing the reader by the file's suffix.

    ``.swc``: `load_swc`. ``.asc`` (Neurolucida): NEURON's
    ``Import3d_Neurolucida3``. ``.xml``/``.nml`` (NeuroML v1 MorphML): NEURON's
    ``Import3d_MorphML``. ``.h5``: MorphIO (optional). ``reader="morphio"``
    reads a ``.swc`` or ``.asc`` through MorphIO instead.

    Args:
        path: The file.
        cell_name: Name of the cell; prefixes section names and entity ids.
        max_segment_length: Longest segment (µm) when choosing each section's
            odd ``nseg``; ``None`` keeps the reader's.
        reader: ``"swc"``, ``"neurolucida"``, ``"neuroml"`` or ``"morphio"``;
            ``None`` picks by suffix (see `MORPHOLOGY_READERS`).

    Returns:
        The sections (`SwcSections`: ``types`` gives 1 soma, 2 axon, 3 dendrite, 4 apical).

    Raises:
        MorphologyFormatError: Naming the file (and line, where the format has
            lines) of a malformed file; `SwcFormatError` for SWC.
        ValueError: For a suffix or reader this function does not know.
        ImportError: For a MorphIO file without MorphIO installed.
        OSError: If the file cannot be read.
    """
    path = Path(path)
    kind = _reader_of(path, reader)
    if kind == "swc":
        return load_swc(path, cell_name=cell_name, max_segment_length=max_segment_length)
    if kind == "morphio":
        return _load_morphio(path, cell_name, max_segment_length)
    if kind == "neurolucida":
        check_neurolucida(path)
        sections = _import3d("Import3d_Neurolucida3", path, cell_name, "Neurolucida")
    else:
        check_neuroml(path)
        sections = _import3d("Import3d_MorphML", path, cell_name, "NeuroML")
    if max_segment_length is not None:
        set_nseg(sections, max_segment_length)
    return sections
