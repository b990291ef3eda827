"""The range variables of a NEURON model, and refs to one of them in every segment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Mechanisms whose variables are not quantities worth colouring by (geometry, not state).
_SKIP_MECHANISMS = frozenset({"morphology"})


def _mechanism_names() -> list[str]:
    from neuron import h

    kind = h.MechanismType(0)
    name = h.ref("")
    out = []
    for i in range(int(kind.count())):
        kind.select(i)
        kind.selected(name)
        out.append(str(name[0]))
    return out


def _range_names(mechanism: str) -> list[str]:
    """The scalar range variables of a density mechanism (parameters, assigned, states)."""
    from neuron import h

    standard = h.MechanismStandard(mechanism, 0)
    name = h.ref("")
    out = []
    for j in range(int(standard.count())):
        size = int(standard.name(name, j))
        var = str(name[0])
        if size == 1 and not var.endswith("_"):  # dina_dv_ and friends are NEURON's internals
            out.append(var)
    return out


def unit_of(variable: str) -> str:
    """NEURON's unit of a range variable (``"mV"`` for ``v``), or ``""`` when it has none."""
    from neuron import h

    try:
        return str(h.units(variable))
    except (RuntimeError, LookupError):
        return ""


def model_variables(sections: Sequence[Any]) -> dict[str, str]:
    """Every range variable of ``sections``: ``{name: unit}``, ``v`` first, then by mechanism.

    A variable is listed when at least one section has it (e.g. ``m_hh``
    where ``hh`` is inserted, ``cai`` and ``ica`` where a mechanism uses
    calcium).
    """
    present = []
    for mechanism in _mechanism_names():
        if mechanism in _SKIP_MECHANISMS:
            continue
        if any(sec.has_membrane(mechanism) for sec in sections):
            present.append(mechanism)
    out = {"v": unit_of("v")}
    for mechanism in present:
        for var in _range_names(mechanism):
            out.setdefault(var, unit_of(var))
    return out


def variable_refs(sections: Sequence[Any], variable: str) -> tuple[list[Any], Any, int]:
    """Refs to ``variable`` in every segment of ``sections``, in order.

    A segment without the variable gets a ref to a NaN (drawn as "no value").

    Returns:
        ``(refs, keep, missing)``: the refs, an object to keep alive as long as
        they are used (the NaN's Vector), and how many segments lack the variable.

    Raises:
        ValueError: If no segment has the variable (naming the available ones).
    """
    from neuron import h

    nan = h.Vector(1)
    nan.x[0] = float("nan")
    nan_ref = nan._ref_x[0]
    refs, missing = [], 0
    attr = f"_ref_{variable}"
    for sec in sections:
        for seg in sec:
            try:
                refs.append(getattr(seg, attr))
            except (AttributeError, NameError, TypeError):
                refs.append(nan_ref)
                missing += 1
    if refs and missing == len(refs):
        available = ", ".join(model_variables(sections))
        raise ValueError(f"unknown variable {variable!r}: no segment of the model has it; available: {available}")
    return refs, nan, missing
