"""What a Jaxley module can be coloured by: every state and parameter per compartment, with units."""

from __future__ import annotations

from typing import Any

import numpy as np

_UNITS = {"v": "mV", "length": "um", "radius": "um", "capacitance": "uF/cm2", "axial_resistivity": "ohm cm",
          "area": "um2", "volume": "um3"}


def module_variables(module: Any) -> dict[str, str]:
    """Every state and parameter of ``module`` per compartment: ``{name: unit}``, ``v`` first.

    Membrane ``v``, ``capacitance``, ``axial_resistivity``, ``radius``, ``length``, then
    each inserted channel's parameters and states (``HH_gNa``, ``HH_m``, ...).
    """
    out = {name: _UNITS[name] for name in ("v", "capacitance", "axial_resistivity", "radius", "length")
           if name in module.nodes.columns}
    for channel in getattr(module, "channels", []):
        for name in [*channel.channel_params, *channel.channel_states]:
            if name in module.nodes.columns:
                out.setdefault(name, "mV" if name.rsplit("_", 1)[-1].startswith("e") else "")  # reversal potentials
    return out


def values_of(module: Any, name: str) -> np.ndarray:
    """One float32 per compartment, NaN where the compartment lacks the variable."""
    column = module.nodes[name]
    return np.asarray(column.to_numpy(dtype=float, na_value=np.nan), dtype=np.float32)
