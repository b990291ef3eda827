"""Small NEURON sessions shared by the tests (importable by spawned workers)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from compneurovis.core import ControlSpec, DisplayFrame, FieldAppend, ScalarValueSpec
from compneurovis.neuron import NeuronSession, SwcCellSession

DT = 0.025


def require(module: str) -> Any:
    """Import an optional test dependency; skip without it, fail when CNV_REQUIRE_ALL=1."""
    import pytest

    try:
        return __import__(module)
    except ImportError as exc:
        if os.environ.get("CNV_REQUIRE_ALL") == "1":
            pytest.fail(f"{module} is required when CNV_REQUIRE_ALL=1: {exc}")
        pytest.skip(f"{module} not installed")


def bent_section(name: str = "dend", cell: Any = None) -> Any:
    """A 3-D polyline section that bends sharply several times (nseg 5, 9 points)."""
    from neuron import h

    sec = h.Section(name=name, cell=cell) if cell is not None else h.Section(name=name)
    points = [(0, 0, 0), (10, 0, 0), (10, 12, 0), (25, 12, 3), (25, 30, 3),
              (40, 30, -5), (44, 41, -5), (60, 41, 0), (60, 60, 10)]
    for k, (x, y, z) in enumerate(points):
        sec.pt3dadd(x, y, z, 2.0 - 0.1 * k)
    sec.nseg = 5
    return sec


def record_all(session: Any) -> tuple[list[Any], Any]:
    """Vector.record of every segment's v (and t), started by a Reset (finitialize)."""
    from neuron import h

    vecs = [h.Vector().record(seg._ref_v) for sec in session.sections for seg in sec]
    tvec = h.Vector().record(h._ref_t)
    return vecs, tvec


def run_frames(session: Any, frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Advance ``frames`` frames; return display rows, history blocks and their times."""
    display, history, times = [], [], []
    for _ in range(frames):
        session.advance()
        for update in session.read_updates():
            if isinstance(update, DisplayFrame) and update.field_id == "segment_display":
                display.append(np.asarray(update.values))
            elif isinstance(update, FieldAppend):
                history.append(np.asarray(update.values))
                times.append(np.asarray(update.coord_values))
    # history blocks are time-major; callers compare (entity, time) arrays
    return np.array(display), np.concatenate(history, axis=0).T, np.concatenate(times)


class BentCell(NeuronSession):
    """An HH soma (no pt3d: ``define_shape``) and a bent passive dendrite; control ``amp``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", DT)
        kwargs.setdefault("display_dt", 4 * DT)
        super().__init__(**kwargs)
        self.stim: Any = None

    def build_sections(self) -> list[Any]:
        from neuron import h

        soma = h.Section(name="soma")
        soma.L = soma.diam = 15.0
        soma.nseg = 3
        dend = bent_section("dend")
        dend.connect(soma(1))
        return [soma, dend]

    def setup_model(self, sections: list[Any]) -> None:
        from neuron import h

        soma, dend = sections
        soma.insert("hh")
        dend.insert("pas")
        self.stim = h.IClamp(soma(0.5))
        self.stim.delay, self.stim.dur = 0.5, 1e9
        self.stim.amp = self.control_values.get("amp", 0.0)

    def control_specs(self) -> dict[str, ControlSpec]:
        return {"amp": ControlSpec(id="amp", label="Current",
                                   value_spec=ScalarValueSpec(default=0.0, min=0.0, max=2.0))}

    def apply_control(self, control_id: str, value: Any) -> bool:
        if control_id == "amp":
            self.stim.amp = float(value)
            return True
        return super().apply_control(control_id, value)


class RecordingCell(BentCell):
    """`BentCell` that also records the clamp current and two voltages; keeps every batch."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batches: list[tuple[Any, dict[str, Any]]] = []

    def setup_model(self, sections: list[Any]) -> None:
        super().setup_model(sections)
        soma, dend = sections
        self.record("i_clamp", self.stim._ref_i)
        self.record_many(["v_soma", "v_dend_end"], [soma(0.5)._ref_v, dend(0.9)._ref_v])

    def on_recorded_samples(self, times: Any, values: dict[str, Any]) -> None:
        self.batches.append((times, values))


class BadSwcSession(SwcCellSession):
    """An SWC session pointed at a (malformed) file given as ``swc_path``."""
