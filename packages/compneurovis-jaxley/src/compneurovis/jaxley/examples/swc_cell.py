"""A CA1 pyramidal cell from SWC, Hodgkin-Huxley everywhere, a live stimulus slider.

The morphology is the shared sample ``compneurovis.core/data/ca1_n120.swc``,
read with Jaxley's own ``jx.read_swc``. A current pulse train (5 ms pulses
every 25 ms, repeating) is injected at the soma; the ``amplitude`` slider
changes it while the simulation runs. Run it headless::

    python -m compneurovis.jaxley.examples.swc_cell --frames 50

or open it in the Qt window through the ``jaxley-swc`` demo.
"""

from __future__ import annotations

import importlib.resources
import sys
from typing import Any

import jax.numpy as jnp
import jaxley as jx
from jaxley.channels import HH

from compneurovis.core import ControlSpec, ScalarValueSpec, Scene
from compneurovis.jaxley import JaxleySession, swc_preview_scene

from .._swc_cache import read_swc_cached
from ._headless import frames_argument, run_headless

#: Compartments per branch of the SWC cell.
NCOMP = 2
PERIOD_MS = 25.0
PULSE_MS = 5.0


def swc_path() -> str:
    """Path of the shared CA1 sample morphology."""
    return str(importlib.resources.files("compneurovis.core") / "data" / "ca1_n120.swc")


def pulse_train(amplitude: float, dt: float) -> jnp.ndarray:
    """One period of the somatic stimulus: ``amplitude`` nA for 5 ms, then 20 ms off."""
    n = round(PERIOD_MS / dt)
    on = round(PULSE_MS / dt)
    return jnp.concatenate([jnp.full(on, amplitude), jnp.zeros(n - on)])


class SwcCellSession(JaxleySession):
    """CA1 cell from SWC with HH channels and a stimulus-amplitude control."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", 0.025)
        # 40 steps per frame: about 1,000 frames per wall second at this cell's speed, far above
        # what a screen shows, and each compiled scan call is long enough to pay for its overhead
        kwargs.setdefault("display_dt", 1.0)
        kwargs.setdefault("title", "Jaxley: CA1 cell from SWC")
        super().__init__(**kwargs)

    @classmethod
    def preview_scene(cls) -> Scene:
        """The SWC's points, grey, for the launcher to show while Jaxley builds the cell (see `swc_preview_scene`)."""
        return swc_preview_scene(swc_path(), title="Jaxley: CA1 cell from SWC", cell_name="ca1")

    def build_cells(self) -> jx.Cell:
        """Read the sample SWC with Jaxley's reader (kept beside JAX's compilation cache, if any)."""
        return read_swc_cached(swc_path(), ncomp=NCOMP)

    def setup_model(self, network: Any, cells: list[jx.Cell]) -> None:
        """Insert HH everywhere and the pulse train at the first soma compartment."""
        network.insert(HH())
        self._stimulus_site().stimulate(pulse_train(0.5, self.dt), verbose=False)

    def _stimulus_site(self) -> Any:
        return self.network.soma.branch(0).comp(0)

    def cell_names(self, cells: list[jx.Cell]) -> list[str]:
        """Name the one cell ``ca1``."""
        return ["ca1"]

    def loop_externals(self) -> bool:
        """Repeat the pulse train forever."""
        return True

    def control_specs(self) -> dict[str, ControlSpec]:
        """The stimulus amplitude slider."""
        return {"amplitude": ControlSpec(
            id="amplitude", label="Stimulus amplitude (nA)",
            value_spec=ScalarValueSpec(default=0.5, min=0.0, max=3.0, step=0.05),
        )}

    def default_trace_entities(self) -> list[str]:
        """Trace the stimulated soma compartment first."""
        assert self.geometry is not None
        return [self.geometry.entity_ids[int(self._stimulus_site().nodes.index[0])]]

    def apply_control(self, control_id: str, value: Any) -> bool:
        """Swap in a pulse train of the new amplitude."""
        if control_id == "amplitude":
            self.network.delete_stimuli()
            self._stimulus_site().stimulate(pulse_train(float(value), self.dt), verbose=False)
            return True
        return False


def main(argv: list[str] | None = None) -> int:
    """Run the SWC cell headless in a worker and print a one-line summary."""
    frames = frames_argument(__doc__.splitlines()[0], 40, argv)
    scene, seen = run_headless(SwcCellSession, frames)
    v = scene.fields["segment_display"].values
    trace = scene.fields["segment_history"].values
    print(f"Jaxley CA1 SWC cell: {len(v)} compartments, {seen} frames, "
          f"t = {scene.fields['segment_history'].coords['time'][-1]:.1f} ms, "
          f"soma V in [{trace.min():.1f}, {trace.max():.1f}] mV")
    return 0


if __name__ == "__main__":
    sys.exit(main())
