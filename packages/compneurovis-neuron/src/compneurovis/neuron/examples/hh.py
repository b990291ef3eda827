"""Hodgkin-Huxley soma with a passive dendrite and a live current-clamp slider.

Run it headless (prints a one-line summary)::

    python -m compneurovis.neuron.examples.hh
"""

from __future__ import annotations

import sys
from typing import Any

from compneurovis.core import ControlSpec, ScalarValueSpec
from compneurovis.neuron import NeuronSession


class HHSession(NeuronSession):
    """A 20 µm HH soma, a 200 µm passive dendrite and an IClamp at the soma.

    Control ``stim_amp`` sets the clamp current (nA) while the model runs.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", 0.025)
        kwargs.setdefault("display_dt", 0.25)
        kwargs.setdefault("title", "NEURON: Hodgkin-Huxley soma + dendrite")
        super().__init__(**kwargs)
        self.stim: Any = None

    def build_sections(self) -> list[Any]:
        """A soma and a dendrite attached at its end (shape from ``define_shape``)."""
        from neuron import h

        soma = h.Section(name="soma")
        soma.L = soma.diam = 20.0
        dend = h.Section(name="dend")
        dend.L, dend.diam, dend.nseg = 200.0, 2.0, 21
        dend.connect(soma(1))
        return [soma, dend]

    def setup_model(self, sections: list[Any]) -> None:
        """``hh`` in the soma, ``pas`` in the dendrite, a step current from 2 ms."""
        from neuron import h

        soma, dend = sections
        soma.insert("hh")
        dend.insert("pas")
        for seg in dend:
            seg.pas.g, seg.pas.e = 1e-3, -65.0
        self.stim = h.IClamp(soma(0.5))
        self.stim.delay, self.stim.dur = 2.0, 1e9
        self.stim.amp = self.control_values.get("stim_amp", 0.3)

    def control_specs(self) -> dict[str, ControlSpec]:
        """One slider: the clamp current."""
        return {"stim_amp": ControlSpec(
            id="stim_amp", label="Clamp current",
            value_spec=ScalarValueSpec(default=0.3, min=0.0, max=1.0, step=0.01, unit="nA"),
            help="IClamp amplitude at the soma centre")}

    def apply_control(self, control_id: str, value: Any) -> bool:
        """Set the clamp amplitude."""
        if control_id == "stim_amp":
            self.stim.amp = float(value)
            return True
        return super().apply_control(control_id, value)


def main() -> int:
    """Run the session headless for 200 frames and print a summary."""
    from compneurovis.neuron.examples._headless import run_headless
    from compneurovis.neuron.examples.hh import HHSession

    return run_headless(HHSession, "neuron-hh", frames=200)


if __name__ == "__main__":
    sys.exit(main())
