"""The shipped CA1 pyramidal cell (NeuroMorpho n120) with periodic current pulses.

2,536 segments: Hodgkin-Huxley soma, passive dendrites, ``dt`` 0.025 ms, a
current pulse into the soma every 50 ms, history on demand (click a segment).
A space plot shows the voltage against path distance from the soma to the
farthest apical tip (Shift-click a segment to end the path there), a
kymograph the same path over the last 50 ms, and the View menu colours the
cell by section type (soma, basal, apical).
Run it headless (prints a one-line summary)::

    python -m compneurovis.neuron.examples.swc
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from compneurovis.core import (
    ControlSpec,
    KymographViewSpec,
    MorphologyGeometry,
    ScalarValueSpec,
    Scene,
    SpacePlotViewSpec,
    add_view,
    section_type_field,
)
from compneurovis.neuron import SwcCellSession, validate_morphology

#: Redraws per second of the space plot and kymograph: they leave the frame budget to the 3-D cell
#: (at 30/s each, on a software-GL machine the morphology fell from ~28 to ~11 draws per second).
SIDE_VIEW_HZ = 10.0


class CA1Session(SwcCellSession):
    """CA1 cell n120 with a pulse train injected at the soma.

    Every ``pulse_period`` ms a ``pulse_duration`` ms current pulse starts
    ``pulse_offset`` ms into the period; control ``stim_amp`` sets its amplitude.
    """

    cell_name = "ca1"
    pulse_period = 50.0
    pulse_offset = 5.0
    pulse_duration = 3.0

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", 0.025)
        kwargs.setdefault("display_dt", 0.25)
        kwargs.setdefault("history_capture_mode", "on_demand")
        kwargs.setdefault("title", "NEURON: CA1 pyramidal cell (NeuroMorpho n120)")
        super().__init__(**kwargs)
        self.stim: Any = None
        self._period = -1

    def setup_model(self, sections: list[Any]) -> None:
        """Channels from `SwcCellSession`, plus an IClamp at the soma centre."""
        from neuron import h

        super().setup_model(sections)
        self.stim = h.IClamp(self.soma[0](0.5))
        self.stim.dur = self.pulse_duration
        self.stim.amp = self.control_values.get("stim_amp", 1.0)
        self._period = -1
        self._schedule_pulse(0.0)

    def _schedule_pulse(self, t: float) -> None:
        """Point the IClamp at the pulse of the period containing ``t``."""
        period = math.floor(t / self.pulse_period)
        if period != self._period:
            self._period = period
            self.stim.delay = period * self.pulse_period + self.pulse_offset

    def advance(self) -> None:
        """Schedule the pulse of the period this advance ends in, then advance (one or a few display frames)."""
        self._schedule_pulse(self.time + self.frames_per_advance() * self.steps_per_update() * self.dt)
        super().advance()

    def control_specs(self) -> dict[str, ControlSpec]:
        """One slider: the pulse amplitude."""
        return {"stim_amp": ControlSpec(
            id="stim_amp", label="Pulse current",
            value_spec=ScalarValueSpec(default=1.0, min=0.0, max=3.0, step=0.05, unit="nA"),
            help="Amplitude of the periodic current pulses at the soma")}

    def apply_control(self, control_id: str, value: Any) -> bool:
        """Set the pulse amplitude."""
        if control_id == "stim_amp":
            self.stim.amp = float(value)
            return True
        return super().apply_control(control_id, value)

    def build_scene(self, *, geometry: MorphologyGeometry, display_values: np.ndarray,
                    time_value: float) -> Scene:
        """The default Scene plus section-type colours, a space plot and a kymograph along the default path."""
        scene = super().build_scene(geometry=geometry, display_values=display_values, time_value=time_value)
        display = self.display_field_id()
        scene.fields["section_type"] = section_type_field(geometry)
        scene.views["morphology"] = dataclasses.replace(scene.views["morphology"], category_field_id="section_type")
        space = SpacePlotViewSpec(id="space", geometry_id=geometry.id, field_id=display,
                                  title="Voltage along soma → farthest tip", y_label="V",
                                  y_limits=self.morphology_color_limits(), max_refresh_hz=SIDE_VIEW_HZ)
        kymograph = KymographViewSpec(id="kymograph", geometry_id=geometry.id, field_id=display,
                                      color_map=self.morphology_color_map(),
                                      color_limits=self.morphology_color_limits(), time_window=50.0,
                                      max_refresh_hz=SIDE_VIEW_HZ)
        scene = add_view(scene, space, column=1, before="controls", title="Space plot")
        return add_view(scene, kymograph, column=1, before="controls", title="Kymograph")

    def default_trace_entities(self) -> list[str]:
        """Trace the soma centre from the start."""
        from compneurovis.neuron._geometry import segment_entity_ids

        return segment_entity_ids(self.soma[0])[self.soma[0].nseg // 2:][:1] or super().default_trace_entities()


def viewer_factory(path: str) -> Callable[[], CA1Session]:
    """Return a picklable factory of a live session on any morphology file (``compneurovis view``).

    The session is `CA1Session`'s model (HH soma, passive dendrites, periodic
    pulses into the soma) on the given reconstruction; its cell is named after
    the file. The file is checked here first (`validate_morphology`: the reader
    is picked by suffix, ``.swc``, ``.asc``, ``.xml``/``.nml`` or ``.h5``), so
    a malformed file fails at once, before any window or worker starts.

    Args:
        path: The morphology file.

    Raises:
        MorphologyFormatError: If the file is malformed (message names file and line).
        ValueError: For a suffix no reader knows.
    """
    validate_morphology(path)
    name = re.sub(r"\W", "_", Path(path).stem) or "cell"
    return functools.partial(CA1Session, swc_path=str(path), cell_name=name, title=f"NEURON: {Path(path).name}")


def main() -> int:
    """Run the session headless for 200 frames (50 ms) and print a summary."""
    from compneurovis.neuron.examples._headless import run_headless
    from compneurovis.neuron.examples.swc import CA1Session

    return run_headless(CA1Session, "neuron-swc", frames=200)


if __name__ == "__main__":
    sys.exit(main())
