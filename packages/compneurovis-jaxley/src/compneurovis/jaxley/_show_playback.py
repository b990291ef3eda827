"""Play a finished ``jx.integrate`` run on the morphology: a time slider, play/pause, click for traces."""

from __future__ import annotations

import numpy as np

from compneurovis.core import (
    ActionSpec,
    AxisMark,
    ControlSpec,
    DisplayFrame,
    FieldReplace,
    MorphologySceneBuilder,
    ScalarValueSpec,
    ScenePatch,
    SessionUpdate,
    StatePatch,
    Status,
)

#: Picker entry of the recorded run (played over time).
RUN = "v (recorded)"
#: The time slider, in ms of the run.
TIME_ID = "time"
#: Playback speed, in ms of the run per second.
SPEED_ID = "speed"
#: Play / pause, and its shortcuts.
PLAY_ID = "play"
PLAY_KEYS = ("P", "Space")
#: Most frames a second while playing.
FPS = 30.0


class RunPlayback:
    """The ``v`` of every compartment over a run, shown at one time at a time.

    Args:
        frames: ``(n_times, n_compartments)`` float32, compartments in ``module.nodes`` order.
        times: ``(n_times,)`` ms.
        entity_ids: The morphology's entity id of each compartment.
        traced: Compartments whose trace the plot shows first.
    """

    def __init__(self, frames: np.ndarray, times: np.ndarray, entity_ids: np.ndarray, traced: list[int]) -> None:
        self.frames, self.times, self.entity_ids = frames, times, entity_ids
        self.traced = list(traced)
        self.index = 0
        self.playing = False
        self.end = float(times[-1])
        self.speed = max(self.end / 10.0, 1e-3)  # the whole run in ten seconds
        self._position = 0.0  # fractional index while playing

    @classmethod
    def from_traces(cls, data: np.ndarray, rows: list[int], times: np.ndarray,
                    entity_ids: np.ndarray) -> RunPlayback | None:
        """A playback when ``rows`` (the compartment of each ``v`` recording in ``data``) covers every one."""
        n = len(entity_ids)
        if len(times) < 2 or set(rows) != set(range(n)):
            return None
        frames = np.empty((len(times), n), dtype=np.float32)
        frames[:, rows] = data.T
        return cls(frames, times, entity_ids, [0])

    # ------------------------------------------------------------ the Scene

    def controls(self) -> dict[str, ControlSpec]:
        """The time slider and the speed slider."""
        step = float(self.times[1] - self.times[0])
        return {
            TIME_ID: ControlSpec(id=TIME_ID, label="Time (ms)", presentation="slider",
                                 value_spec=ScalarValueSpec(default=0.0, min=0.0, max=self.end, step=step),
                                 help="The moment of the run the morphology shows; drag to seek"),
            SPEED_ID: ControlSpec(id=SPEED_ID, label="Speed (ms/s)", value_spec=ScalarValueSpec(
                default=self.speed, min=self.speed / 20.0, max=self.speed * 10.0, scale="log"),
                help="Milliseconds of the run played per second"),
        }

    def actions(self) -> dict[str, ActionSpec]:
        """Play / pause (P, or Space)."""
        return {PLAY_ID: ActionSpec(id=PLAY_ID, label="Play / pause", shortcuts=PLAY_KEYS,
                                    help="Play the run on the morphology; at the end, from the start")}

    def trace_block(self) -> tuple[np.ndarray, np.ndarray]:
        """``(values, entity ids)`` of the traced compartments over the whole run."""
        return self.frames[:, self.traced], self.entity_ids[self.traced]

    # ------------------------------------------------------------ updates

    def show(self, index: int) -> list[SessionUpdate]:
        """The updates that show the run at frame ``index``."""
        self.index = int(np.clip(index, 0, len(self.times) - 1))
        self._position = float(self.index)
        t = float(self.times[self.index])
        return [DisplayFrame(field_id=MorphologySceneBuilder.DISPLAY_FIELD_ID, values=self.frames[self.index],
                             sim_time=t),
                StatePatch(values={TIME_ID: t}),
                ScenePatch(views={"trace": {"marks": (AxisMark(x=t, label=f"{t:g} ms", kind="time"),)}})]

    def seek(self, t: float) -> list[SessionUpdate]:
        """Show the frame nearest ``t`` ms."""
        return self.show(int(np.argmin(np.abs(self.times - float(t)))))

    def toggle(self) -> list[SessionUpdate]:
        """Play, or pause; play from the start once at the end."""
        self.playing = not self.playing
        if self.playing and self.index >= len(self.times) - 1:
            return [*self.show(0), Status(message="playing the run from 0 ms")]
        return [Status(message="playing the run" if self.playing else f"paused at {self.times[self.index]:g} ms")]

    def tick(self, seconds: float) -> list[SessionUpdate]:
        """Move on by ``seconds`` of wall time at the current speed; pause at the end."""
        if not self.playing:
            return []
        dt = float(self.times[1] - self.times[0])
        self._position = min(self._position + self.speed * seconds / dt, len(self.times) - 1.0)
        position = self._position
        updates = self.show(int(position)) if int(position) != self.index else []
        self._position = position
        if self.index >= len(self.times) - 1:
            self.playing = False
            updates.append(Status(message=f"end of the run ({self.end:g} ms)"))
        return updates

    def add_trace(self, entity_id: str) -> list[SessionUpdate]:
        """Add ``entity_id``'s trace to the plot (nothing if it is there or not a compartment)."""
        where = np.flatnonzero(self.entity_ids == entity_id)
        if not len(where) or int(where[0]) in self.traced:
            return []
        self.traced.append(int(where[0]))
        values, ids = self.trace_block()
        return [FieldReplace(field_id=MorphologySceneBuilder.HISTORY_FIELD_ID, values=values,
                             coords={"time": self.times, "segment": ids}),
                Status(message=f"{entity_id}: v over the run")]
