"""A third-party backend written against compneurovis-core alone.

A FitzHugh-Nagumo cable (a trunk that forks into two branches) with its own
forward-Euler solver, a stimulus-current control and a "kick" action. Run it
headless::

    python -m compneurovis.core.examples.fitzhugh_nagumo

or open it in the Qt window with ``compneurovis.qt.run_app(FitzHughNagumoCable)``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from compneurovis.core import (
    ActionSpec,
    ControlSpec,
    LiveMorphologySession,
    MorphologyGeometry,
    MorphologyStyle,
    ScalarValueSpec,
    WorkerTransport,
)


def _cable_geometry(n_trunk: int = 40, n_branch: int = 25, seg_len: float = 5.0) -> MorphologyGeometry:
    """A trunk along +x that forks into two branches at +-30 degrees."""
    starts, ends, parents, sections, xlocs = [], [], [], [], []
    for i in range(n_trunk):
        starts.append((i * seg_len, 0.0, 0.0))
        ends.append(((i + 1) * seg_len, 0.0, 0.0))
        parents.append(i - 1)
        sections.append("trunk")
        xlocs.append((i + 0.5) / n_trunk)
    fork = np.array(ends[-1])
    for name, angle in (("branch_up", np.pi / 6), ("branch_down", -np.pi / 6)):
        direction = np.array([np.cos(angle), np.sin(angle), 0.0]) * seg_len
        for j in range(n_branch):
            starts.append(tuple(fork + j * direction))
            ends.append(tuple(fork + (j + 1) * direction))
            parents.append(n_trunk - 1 if j == 0 else len(starts) - 2)
            sections.append(name)
            xlocs.append((j + 0.5) / n_branch)
    index_in_section: dict[str, int] = {}
    ids = []
    for name in sections:
        k = index_in_section.get(name, 0)
        index_in_section[name] = k + 1
        ids.append(f"fhn.{name}[{k}]")
    n = len(ids)
    return MorphologyGeometry(
        id="morphology", entity_ids=ids, cell_names=["fhn"] * n, section_names=sections,
        xloc=xlocs, start=starts, end=ends, radius=np.full(n, 1.5), length=np.full(n, seg_len),
        parent=parents, labels=[f"{s}({x:.2f})" for s, x in zip(sections, xlocs, strict=True)],
    )


class FitzHughNagumoCable(LiveMorphologySession):
    """FitzHugh-Nagumo units coupled along a forked cable.

    ``v`` is dimensionless (about -2..2); it is shown as the display field.
    """

    a, b, epsilon, coupling = 0.7, 0.8, 0.08, 1.0

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", 0.05)
        kwargs.setdefault("display_dt", 0.5)
        kwargs.setdefault("v_init", -1.2)
        kwargs.setdefault("title", "FitzHugh-Nagumo cable")
        super().__init__(**kwargs)
        self.stimulus = 0.0
        self._kick = 0

    style = MorphologyStyle(display_unit="a.u.", color_limits=(-2.2, 2.2),  # v is dimensionless, about -2..2
                            trace_title="FitzHugh-Nagumo v", trace_y_label="v")

    def build_model(self) -> MorphologyGeometry:
        """The forked cable, and its graph Laplacian for the coupling."""
        geometry = _cable_geometry()
        n = geometry.n_entities
        # Graph Laplacian of the cable, from parent links.
        self._laplacian = np.zeros((n, n))
        for child, parent in enumerate(geometry.parent):
            if parent >= 0:
                for i, j in ((child, parent), (parent, child)):
                    self._laplacian[i, j] += 1.0
                    self._laplacian[i, i] -= 1.0
        return geometry

    def initialize_state(self) -> tuple[float, np.ndarray]:
        """Every unit at rest (``v_init``, ``w = -0.62``) at ``t = 0``."""
        n = self.geometry.n_entities  # type: ignore[union-attr]
        self._v = np.full(n, self.v_init)
        self._w = np.full(n, -0.62)
        self._t = 0.0
        return self._t, self._v.copy()

    def step(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """``n_steps`` explicit Euler steps; every step's ``v`` is returned."""
        times = np.empty(n_steps)
        values = np.empty((n_steps, self._v.size))
        for k in range(n_steps):
            self._euler_step()
            times[k] = self._t
            values[k] = self._v
        return times, values

    def _euler_step(self) -> None:
        # Blow-ups become NaN/inf; the base class reports them and pauses.
        with np.errstate(over="ignore", invalid="ignore"):
            current = np.zeros_like(self._v)
            current[0] = self.stimulus + (3.0 if self._kick > 0 else 0.0)
            self._kick = max(0, self._kick - 1)
            dv = self._v - self._v**3 / 3 - self._w + current + self.coupling * (self._laplacian @ self._v)
            dw = self.epsilon * (self._v + self.a - self.b * self._w)
            self._v = self._v + self.dt * dv
            self._w = self._w + self.dt * dw
            self._t += self.dt

    def control_specs(self) -> dict[str, ControlSpec]:
        """One slider: the stimulus current into the trunk's first unit."""
        return {"stimulus": ControlSpec(id="stimulus", label="Stimulus current",
                                        value_spec=ScalarValueSpec(default=0.0, min=0.0, max=1.5, step=0.05))}

    def action_specs(self) -> dict[str, ActionSpec]:
        """Reset, pause, and a kick."""
        return {**super().action_specs(),
                "kick": ActionSpec(id="kick", label="Kick", shortcuts=("K",),
                                   help="A brief strong pulse at the trunk's start")}

    def apply_control(self, control_id: str, value: Any) -> bool:
        """Set the stimulus current."""
        if control_id == "stimulus":
            self.stimulus = float(value)
            return True
        return False

    def apply_action(self, action_id: str, payload: dict[str, object]) -> bool:
        """Kick: a 1-unit-long pulse of current 3 into the trunk."""
        if action_id == "kick":
            self._kick = round(1.0 / self.dt)
            return True
        return super().apply_action(action_id, payload)


def main(argv: list[str] | None = None) -> int:
    """Run the cable headless in a worker for a few hundred frames and summarise."""
    from compneurovis.core import DisplayFrame, Error, InvokeAction, SceneReady

    frames = 0
    with WorkerTransport(FitzHughNagumoCable) as transport:
        scene = None
        transport.send(InvokeAction(action_id="kick"))
        while frames < 200:
            for update in transport.poll(timeout=2.0):
                if isinstance(update, SceneReady):
                    scene = update.scene
                elif scene is not None:
                    scene.apply(update)
                    frames += isinstance(update, DisplayFrame) and update.field_id == "segment_display"
                if isinstance(update, Error):
                    print(update.traceback or update.message, file=sys.stderr)
                    return 1
                if frames == 200:  # one poll can bring several frames: stop at exactly 200
                    break
    assert scene is not None
    v = scene.fields["segment_display"].values
    print(f"FitzHugh-Nagumo cable: {len(v)} segments, {frames} display frames, "
          f"v in [{v.min():.2f}, {v.max():.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
