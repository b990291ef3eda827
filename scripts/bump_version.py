"""Move every CompNeuroVis distribution (and its sibling pins) to one new version.

Usage: python scripts/bump_version.py 0.2.0
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "pyproject.toml", *sorted((ROOT / "packages").glob("*/pyproject.toml")),
         ROOT / "packages/compneurovis-core/src/compneurovis/core/_version.py"]


def bump(new: str) -> None:
    if not re.fullmatch(r"\d+\.\d+\.\d+(?:[.-]?\w+)?", new):
        raise SystemExit(f"not a version: {new!r}")
    for path in FILES:
        text = path.read_text()
        text = re.sub(r'(?m)^(version|__version__) = "[^"]+"', rf'\1 = "{new}"', text)
        sibling = r"(compneurovis-(?:core|vtk|qt|neuron|jaxley|jupyter)(?:\[[a-z,]+\])?)"
        text = re.sub(sibling + r'==[^"\s,\]]+', rf"\1=={new}", text)
        path.write_text(text)
        print(f"{path.relative_to(ROOT)} -> {new}")


if __name__ == "__main__":
    bump(sys.argv[1])
