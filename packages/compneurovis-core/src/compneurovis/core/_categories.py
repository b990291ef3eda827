"""Categorical per-entity fields: section type, cell, population, each with its names and colours.

A category field has dims ``("segment",)`` and integer values: entity ``i``
belongs to category ``values[i]``, named ``attrs["categories"][values[i]]``
and drawn in ``attrs["colors"][values[i]]`` (``"#rrggbb"``). A
`MorphologyViewSpec` names one in ``category_field_id`` and shows it, with a
legend, while its ``color_by`` is ``"category"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._errors import SceneError
from ._field import Field
from ._geometry import MorphologyGeometry

#: Colours given to categories in order (matplotlib's "tab10").
CATEGORY_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
#: Section types, in SWC type order.
SECTION_TYPES = ("soma", "axon", "basal", "apical", "other")
_SECTION_PREFIXES = (("soma", "soma"), ("axon", "axon"), ("apic", "apical"), ("dend", "basal"), ("basal", "basal"))


def category_field(field_id: str, labels: Sequence[str], *, categories: Sequence[str] | None = None,
                   colors: Sequence[str] | None = None) -> Field:
    """A category field from one label per entity.

    Args:
        field_id: Id of the field.
        labels: The category of each entity.
        categories: All category names, in legend order (default: the labels in
            order of first appearance); every label must be one of them.
        colors: One ``"#rrggbb"`` per category (default: `CATEGORY_COLORS`, cycled).

    Raises:
        SceneError: For a label outside ``categories`` or a colour count that does not match.
    """
    labels = [str(x) for x in labels]
    names = list(dict.fromkeys(labels)) if categories is None else [str(c) for c in categories]
    lookup = {name: k for k, name in enumerate(names)}
    unknown = sorted(set(labels) - set(lookup))
    if unknown:
        raise SceneError(f"field {field_id!r}: label(s) {unknown} are not among the categories {names}")
    palette = list(colors) if colors is not None else [CATEGORY_COLORS[k % len(CATEGORY_COLORS)]
                                                       for k in range(len(names))]
    values = np.array([lookup[x] for x in labels], dtype=np.int32)
    f = Field(field_id, values, ("segment",), {}, None, {"categories": names, "colors": palette})
    check_category_field(f)
    return f


def check_category_field(f: Field, view_id: str | None = None, n_entities: int | None = None) -> None:
    """Check that ``f`` is a category field (see the module docstring).

    Raises:
        SceneError: Naming the view (if given), the field and what is wrong.
    """
    who = f"view {view_id!r}: category field {f.id!r}" if view_id else f"category field {f.id!r}"
    if f.dims != ("segment",) or (n_entities is not None and f.shape != (n_entities,)):
        expected = f"({n_entities},)" if n_entities is not None else "('segment',)"
        raise SceneError(f"{who} has dims {f.dims} and shape {f.shape}, expected {expected}")
    if f.values.dtype.kind not in "iu":
        raise SceneError(f"{who} has {f.values.dtype} values, expected integer category indices")
    names, colors = f.attrs.get("categories"), f.attrs.get("colors")
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise SceneError(f"{who} needs attrs['categories'], a list of names")
    if not isinstance(colors, list | tuple) or len(colors) != len(names) or not all(
            isinstance(c, str) and len(c) == 7 and c[0] == "#" for c in colors):
        raise SceneError(f"{who} needs attrs['colors'], one '#rrggbb' per category ({len(names)})")
    if f.values.size and (f.values.min() < 0 or f.values.max() >= len(names)):
        raise SceneError(f"{who}: category index out of range [0, {len(names)})")


def section_type(section_name: str) -> str:
    """The section type (`SECTION_TYPES`) of a section name: ``soma``, ``axon``, ``dend`` (basal), ``apic``."""
    base = section_name.rsplit(".", 1)[-1].lower()
    return next((kind for prefix, kind in _SECTION_PREFIXES if base.startswith(prefix)), "other")


def section_type_field(geometry: MorphologyGeometry, field_id: str = "section_type") -> Field:
    """Each entity's section type (soma, axon, basal, apical, other), from its section name.

    SWC reconstructions loaded through Import3d name their sections after the
    SWC types (``soma``, ``axon``, ``dend`` for basal, ``apic`` for apical).
    Only the types present become categories.
    """
    labels = [section_type(s) for s in geometry.section_names]
    present = [t for t in SECTION_TYPES if t in set(labels)]
    return category_field(field_id, labels, categories=present,
                          colors=[CATEGORY_COLORS[SECTION_TYPES.index(t)] for t in present])


def cell_field(geometry: MorphologyGeometry, field_id: str = "cell") -> Field:
    """Each entity's cell, one category per cell name."""
    return category_field(field_id, geometry.cell_names)


def population_field(geometry: MorphologyGeometry, population_of: Callable[[str], str],
                     field_id: str = "population") -> Field:
    """Each entity's population, from ``population_of(cell_name)``."""
    return category_field(field_id, [population_of(c) for c in geometry.cell_names])
