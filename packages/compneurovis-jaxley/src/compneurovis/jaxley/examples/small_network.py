"""Three small cells chained by ionotropic synapses: ``pre`` -> ``relay`` -> ``post``.

Each cell is a soma branch with two dendrites (Hodgkin-Huxley everywhere).
``pre`` gets a repeating current pulse train; its spikes drive ``relay``
through an ``IonotropicSynapse``, whose spikes drive ``post``. The
``synapse_gS`` slider sets the conductance of both synapses, the
``amplitude`` slider the stimulus. Cells built at the same place are laid
side by side in the view. Run it headless::

    python -m compneurovis.jaxley.examples.small_network --frames 50

or open it in the Qt window through the ``jaxley-network`` demo.
"""

from __future__ import annotations

import sys
from typing import Any

import jax.numpy as jnp
import jaxley as jx
from jaxley.channels import HH
from jaxley.connect import connect
from jaxley.synapses import IonotropicSynapse

from compneurovis.core import ControlSpec, ScalarValueSpec
from compneurovis.jaxley import JaxleySession

from ._headless import frames_argument, run_headless

NAMES = ("pre", "relay", "post")
PERIOD_MS = 40.0
PULSE_MS = 3.0


def small_cell() -> jx.Cell:
    """A 20 µm soma branch with two 100 µm dendrites, 2 compartments each."""
    cell = jx.Cell(jx.Branch(jx.Compartment(), ncomp=2), parents=[-1, 0, 0])
    cell.branch(0).set("length", 10.0)
    cell.branch(0).set("radius", 8.0)
    cell.branch([1, 2]).set("length", 50.0)
    cell.branch([1, 2]).set("radius", 1.0)
    cell.compute_xyz()
    return cell


def pulse_train(amplitude: float, dt: float) -> jnp.ndarray:
    """One period of the stimulus: ``amplitude`` nA for 3 ms, then off until 40 ms."""
    on, n = round(PULSE_MS / dt), round(PERIOD_MS / dt)
    return jnp.concatenate([jnp.full(on, amplitude), jnp.zeros(n - on)])


class SmallNetworkSession(JaxleySession):
    """Three HH cells in a synaptic chain, with synapse and stimulus controls."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", 0.025)
        kwargs.setdefault("display_dt", 0.5)
        kwargs.setdefault("title", "Jaxley: a small synaptic chain")
        super().__init__(**kwargs)

    def build_cells(self) -> list[jx.Cell]:
        """Three identical small cells."""
        return [small_cell() for _ in NAMES]

    def cell_names(self, cells: list[jx.Cell]) -> list[str]:
        """``pre``, ``relay``, ``post``."""
        return list(NAMES)

    def build_network(self, cells: list[jx.Cell]) -> jx.Network:
        """A network whose soma of each cell excites the next cell's first dendrite."""
        network = jx.Network(cells)
        for source, target in ((0, 1), (1, 2)):
            connect(network.cell(source).branch(0).comp(1), network.cell(target).branch(1).comp(0),
                    IonotropicSynapse())
        return network

    def setup_model(self, network: Any, cells: list[jx.Cell]) -> None:
        """HH everywhere, synapse strength, the pulse train on ``pre``'s soma."""
        network.insert(HH())
        network.set("IonotropicSynapse_gS", 0.01)
        network.cell(0).branch(0).comp(0).stimulate(pulse_train(0.4, self.dt), verbose=False)

    def loop_externals(self) -> bool:
        """Repeat the pulse train forever."""
        return True

    def default_trace_entities(self) -> list[str]:
        """Trace each cell's soma."""
        return [f"{name}.branch0[0]" for name in NAMES]

    def control_specs(self) -> dict[str, ControlSpec]:
        """Synaptic conductance and stimulus amplitude sliders."""
        return {
            "synapse_gS": ControlSpec(id="synapse_gS", label="Synaptic conductance (uS)",
                                      value_spec=ScalarValueSpec(default=0.01, min=0.0, max=0.05, step=0.001)),
            "amplitude": ControlSpec(id="amplitude", label="Stimulus amplitude (nA)",
                                     value_spec=ScalarValueSpec(default=0.4, min=0.0, max=2.0, step=0.05)),
        }

    def apply_control(self, control_id: str, value: Any) -> bool:
        """Set the synapse conductance or swap in a new pulse train."""
        if control_id == "synapse_gS":
            self.network.set("IonotropicSynapse_gS", float(value))
            return True
        if control_id == "amplitude":
            self.network.delete_stimuli()
            self.network.cell(0).branch(0).comp(0).stimulate(pulse_train(float(value), self.dt), verbose=False)
            return True
        return False


def main(argv: list[str] | None = None) -> int:
    """Run the network headless in a worker and print a one-line summary."""
    frames = frames_argument(__doc__.splitlines()[0], 120, argv)
    scene, seen = run_headless(SmallNetworkSession, frames)
    history = scene.fields["segment_history"]
    peaks = ", ".join(f"{seg.split('.')[0]} {row.max():.0f}" for seg, row in
                      zip(history.coords["segment"], history.values.T, strict=True))
    print(f"Jaxley small network: {len(scene.fields['segment_display'].values)} compartments in "
          f"{len(NAMES)} cells, {seen} frames, t = {history.coords['time'][-1]:.1f} ms, "
          f"peak soma V (mV): {peaks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
