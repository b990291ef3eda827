"""Import a sibling distribution by part name, with an install hint when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

#: The extra of the ``compneurovis`` distribution that installs each part.
EXTRAS = {"neuron": "neuron", "jaxley": "jaxley"}
DISTRIBUTIONS = {"neuron": "compneurovis-neuron", "jaxley": "compneurovis-jaxley", "qt": "compneurovis-qt"}


def import_part(name: str) -> ModuleType:
    """Import ``compneurovis.<name>`` (``"neuron"``, ``"jaxley"`` or ``"qt"``).

    Raises:
        ImportError: Saying what to ``pip install`` when the part is not installed.
    """
    module = f"compneurovis.{name}"
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name not in (module, "compneurovis"):
            raise  # the part is installed but one of its own dependencies is missing
        distribution = DISTRIBUTIONS.get(name, f"compneurovis-{name}")
        hint = f'pip install {distribution}' + (
            f' (or pip install "compneurovis[{EXTRAS[name]}]")' if name in EXTRAS else "")
        raise ImportError(f"{module} is not installed: {hint}") from exc
