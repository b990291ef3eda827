"""Read SWC bytes into a clean, parent-first tree that NEURON's Import3d can always take.

Everything Import3d cannot take is refused here, before NEURON sees the file,
with the file, line and field (`SwcFormatError`), or fixed up in the documented
way (see `read_swc_tree` and the package README's "SWC input" rules).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

#: Largest accepted coordinate magnitude, in µm (10 m).
MAX_COORDINATE = 1e7
#: Accepted radii, in µm: below this NEURON's cable equation loses all precision.
MIN_RADIUS = 1e-3
#: Accepted radii, in µm (1 cm).
MAX_RADIUS = 1e4
#: Largest accepted sample type (NEURON names type ``n > 4`` sections ``dend_n``).
MAX_TYPE = 2**31 - 1
_FIELDS = ("id", "type", "x", "y", "z", "radius", "parent")


class MorphologyFormatError(ValueError):
    """A malformed morphology file (SWC, Neurolucida, NeuroML, MorphIO); the message names file and line.

    Attributes:
        path: The file that failed.
        line: 1-based line number of the offending line (0 for whole-file problems).
    """

    #: The format named in the message.
    format_name = "morphology"

    def __init__(self, path: str | os.PathLike[str], line: int, problem: str) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: malformed {self.format_name}: {problem}")


class SwcFormatError(MorphologyFormatError):
    """A malformed SWC file; the message names the file and the line."""

    format_name = "SWC"


@dataclass
class SwcTree:
    """A checked SWC tree, parents before children, ready for Import3d (private)."""

    types: np.ndarray
    xyz: np.ndarray
    radius: np.ndarray
    parent: np.ndarray  # index into these arrays; -1 for the root (always row 0)
    lines: np.ndarray  # source line of each row
    n_samples: int  # samples in the file, before fix-ups
    soma: str = "none"
    fixes: list[str] = field(default_factory=list)

    def swc_text(self) -> str:
        """The tree as SWC lines numbered 1..n, parents first, no comments."""
        rows = []
        for i in range(len(self.types)):
            x, y, z = (repr(float(v)) for v in self.xyz[i])
            parent = int(self.parent[i]) + 1 if self.parent[i] >= 0 else -1
            rows.append(f"{i + 1} {int(self.types[i])} {x} {y} {z} {float(self.radius[i])!r} {parent}\n")
        return "".join(rows)


def _integer(path: str, lineno: int, name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number.is_integer()):
        raise SwcFormatError(path, lineno, f"field {name!r} is not an integer: {value[:40]!r}")
    return int(number)


def _number(path: str, lineno: int, name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise SwcFormatError(path, lineno, f"field {name!r} is not a number: {value[:40]!r}") from None
    if not math.isfinite(number):
        raise SwcFormatError(path, lineno, f"field {name!r} is not finite: {value[:40]!r}")
    return number


def _parse_line(path: str, lineno: int, text: str) -> tuple[int, int, float, float, float, float, int]:
    fields = text.split()
    if len(fields) != 7:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise SwcFormatError(
            path, lineno, f"expected 7 fields (id type x y z radius parent), found {len(fields)}: {shown!r}")
    sample = _integer(path, lineno, "id", fields[0])
    kind = _integer(path, lineno, "type", fields[1])
    x, y, z = (_number(path, lineno, name, v) for name, v in zip(_FIELDS[2:5], fields[2:5], strict=True))
    radius = _number(path, lineno, "radius", fields[5])
    parent = _integer(path, lineno, "parent", fields[6])
    if sample < 0:
        raise SwcFormatError(path, lineno, f"field 'id' must not be negative, got {sample}")
    if not 0 <= kind <= MAX_TYPE:
        raise SwcFormatError(path, lineno, f"field 'type' must be 0..{MAX_TYPE}, got {kind}")
    for name, value in (("x", x), ("y", y), ("z", z)):
        if abs(value) > MAX_COORDINATE:
            raise SwcFormatError(path, lineno, f"field {name!r} is {value:g} µm, beyond ±{MAX_COORDINATE:g} µm")
    if radius <= 0:
        raise SwcFormatError(path, lineno, f"field 'radius' must be positive, got {fields[5][:40]!r}")
    if not MIN_RADIUS <= radius <= MAX_RADIUS:
        raise SwcFormatError(
            path, lineno, f"field 'radius' must be {MIN_RADIUS:g}..{MAX_RADIUS:g} µm, got {fields[5][:40]!r}")
    if parent < -1:
        raise SwcFormatError(path, lineno, f"field 'parent' must be -1 (root) or a sample id, got {parent}")
    if parent == sample:
        raise SwcFormatError(path, lineno, f"sample {sample} is its own parent")
    return sample, kind, x, y, z, radius, parent


def _read_rows(path: str) -> list[tuple[int, tuple[int, int, float, float, float, float, int]]]:
    rows = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for lineno, raw in enumerate(handle, start=1):
            text = raw.split("#", 1)[0].strip()
            if text:
                rows.append((lineno, _parse_line(path, lineno, text)))
    if not rows:
        raise SwcFormatError(path, 0, "no samples found")
    return rows


def _order(path: str, rows: list) -> tuple[list[int], list[int]]:
    """Parent indices (into rows) and a parents-first order that keeps the file's order where it can."""
    index: dict[int, int] = {}
    for k, (lineno, row) in enumerate(rows):
        if row[0] in index:
            raise SwcFormatError(path, lineno, f"sample id {row[0]} repeats the one on line {rows[index[row[0]]][0]}")
        index[row[0]] = k
    parent = []
    roots = []
    for k, (lineno, row) in enumerate(rows):
        if row[6] == -1:
            parent.append(-1)
            roots.append(k)
        elif row[6] in index:
            parent.append(index[row[6]])
        else:
            raise SwcFormatError(path, lineno, f"parent id {row[6]} is not a sample of this file")
    if not roots:
        raise SwcFormatError(path, 0, "no root sample (parent -1); the parents form a cycle")
    if len(roots) > 1:
        raise SwcFormatError(path, rows[roots[1]][0], f"a second root (parent -1; the first is on line "
                             f"{rows[roots[0]][0]}): only one connected tree per file is supported")
    waiting: dict[int, list[int]] = {}
    done = [False] * len(rows)
    order: list[int] = []
    for k in range(len(rows)):
        if parent[k] == -1 or done[parent[k]]:
            stack = [k]
            while stack:
                j = stack.pop()
                done[j] = True
                order.append(j)
                stack.extend(reversed(waiting.pop(j, [])))
        else:
            waiting.setdefault(parent[k], []).append(k)
    if len(order) < len(rows):
        first = done.index(False)
        seen, j = [], first
        while j not in seen:
            seen.append(j)
            j = parent[j]
        cycle = seen[seen.index(j):]
        start = cycle.index(min(cycle))  # name the cycle from its first line in the file
        loop = [rows[i][1][0] for i in cycle[start:] + cycle[:start]]
        shown = [str(s) for s in loop[:8]] + (["..."] if len(loop) > 8 else []) + [str(loop[0])]
        raise SwcFormatError(path, rows[min(cycle)][0], "parent ids form a cycle (sample -> its parent): "
                             + " -> ".join(shown))
    return parent, order


def _as_stored(xyz: np.ndarray) -> np.ndarray:
    """Coordinates as NEURON stores them after Import3d (8 significant digits, then float32)."""
    return np.array([[float(f"{v:.8g}") for v in p] for p in xyz], dtype=np.float32).reshape(-1, 3)


def read_swc_tree(path: str | os.PathLike[str]) -> SwcTree:
    """Parse and check an SWC file; return it parents-first with the soma fixed up.

    Fix-ups (each recorded in `SwcTree.fixes`): rows are reordered so that
    parents come first and renumbered 1..n; a point at the same place as its
    parent (as NEURON stores coordinates) is merged into it; the soma becomes
    one point (which Import3d makes a cylinder with ``L = diam = 2r``) when it
    is two or more coincident points, NeuroMorpho's three-point soma, or a
    contour (radius: the mean distance of the outline from its centroid).

    Raises:
        SwcFormatError: Naming the file, line and field of the first problem.
        OSError: If the file cannot be read.
    """
    path = str(path)
    rows = _read_rows(path)
    parent, order = _order(path, rows)
    new = {old: k for k, old in enumerate(order)}
    data = np.array([rows[k][1][1:6] for k in order], dtype=float).reshape(-1, 5)
    tree = SwcTree(
        types=data[:, 0].astype(np.int64), xyz=data[:, 1:4].copy(), radius=data[:, 4].copy(),
        parent=np.array([new[parent[k]] if parent[k] >= 0 else -1 for k in order], dtype=np.int64),
        lines=np.array([rows[k][0] for k in order], dtype=np.int64), n_samples=len(rows))
    if order != list(range(len(order))):
        tree.fixes.append("reordered so that parents come first")
    from ._swc_soma import merge_coincident, normalise_soma

    soma_points = int((tree.types == 1).sum())
    merge_coincident(tree, _as_stored(tree.xyz))
    normalise_soma(tree, soma_points)
    return tree
