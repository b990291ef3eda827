"""Stimuli, synapses and other point processes as `SegmentMark`s on the morphology."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from compneurovis.core import SegmentMark

from ._geometry import segment_entity_ids, segment_index

#: Point-process types drawn as stimuli (electrodes); NetCon targets are synapses; the rest point processes.
STIMULUS_TYPES = frozenset({"IClamp", "SEClamp", "VClamp", "OClamp"})


def _netcon_targets() -> dict[str, int]:
    from neuron import h

    targets: dict[str, int] = {}
    for netcon in h.List("NetCon"):
        target = netcon.syn()
        if target is not None:
            targets[target.hname()] = targets.get(target.hname(), 0) + 1
    return targets


def find_marks(sections: Iterable[Any] | None = None) -> tuple[SegmentMark, ...]:
    """The point processes on ``sections`` as marks, found in NEURON itself.

    ``IClamp``, ``SEClamp``, ``VClamp`` and ``OClamp`` are ``"stimulus"``; a
    point process some ``NetCon`` targets is a ``"synapse"`` (labelled with the
    number of NetCons); any other (``AlphaSynapse``, ``APCount``, your own
    MOD point process) is a ``"point_process"``. Each label is the point
    process's NEURON name, e.g. ``"IClamp[0]"`` or ``"ExpSyn[3] (2 NetCons)"``.

    Args:
        sections: The sections to search (default: every section in ``h``).

    Returns:
        One `SegmentMark` per point process, on the segment that holds it,
        section by section in the order given.
    """
    from neuron import h

    sections = list(h.allsec()) if sections is None else list(sections)
    targets = _netcon_targets()
    marks = []
    for sec in sections:
        ids = segment_entity_ids(sec)
        for seg in sec:
            for process in seg.point_processes():
                name = process.hname()
                label, kind = name, "point_process"
                if name.split("[", 1)[0] in STIMULUS_TYPES:
                    kind = "stimulus"
                elif name in targets:
                    count = targets[name]
                    label, kind = f"{name} ({count} NetCon{'s' if count != 1 else ''})", "synapse"
                marks.append(SegmentMark(entity_id=ids[segment_index(sec, seg.x)], label=label, kind=kind))
    return tuple(marks)


def _is_segment(value: Any) -> bool:
    return type(value).__name__ == "Segment" and hasattr(value, "sec") and hasattr(value, "x")


def segment_marks(entries: Sequence[Any], sections: Iterable[Any] | None = None) -> tuple[SegmentMark, ...]:
    """The user's own marks: ``(segment, label)`` pairs (or `SegmentMark`s) as `SegmentMark`s.

    Args:
        entries: Items such as ``(soma(0.5), "recording electrode")``, or
            ``(segment, label, kind)``, or ready `SegmentMark` objects.
        sections: The sections shown; a segment outside them is refused.

    Raises:
        ValueError: Naming the first entry that is not a segment with a label
            (or whose segment is not among ``sections``).
    """
    shown = None if sections is None else {sec.hname() for sec in sections}
    out = []
    for k, entry in enumerate(entries):
        if isinstance(entry, SegmentMark):
            out.append(entry)
            continue
        ok = isinstance(entry, tuple | list) and len(entry) in (2, 3) and _is_segment(entry[0]) and all(
            isinstance(v, str) for v in entry[1:])
        if not ok:
            raise ValueError(f"marks entry {k} ({entry!r}) is not a segment and a label: give "
                             f"(sec(x), 'label') or (sec(x), 'label', 'kind'), e.g. (soma(0.5), 'electrode')")
        seg = entry[0]
        if shown is not None and seg.sec.hname() not in shown:
            raise ValueError(f"marks entry {k}: segment {seg} is not on the sections shown")
        entity = segment_entity_ids(seg.sec)[segment_index(seg.sec, seg.x)]
        out.append(SegmentMark(entity_id=entity, label=entry[1], kind=entry[2] if len(entry) == 3 else "user"))
    return tuple(out)
