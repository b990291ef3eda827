"""Top-level sessions the worker process can import (spawn needs importable factories)."""

from __future__ import annotations

import time

import numpy as np

from compneurovis.core import BufferedSession, DisplayFrame, Field, FieldAppend, Scene, Status
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable


class Exploding(FitzHughNagumoCable):
    """Runs a few frames, then its advance() raises."""

    def advance(self) -> None:
        if self.time > 1.0:
            raise RuntimeError("the model exploded on purpose")
        super().advance()


class FailsToStart(FitzHughNagumoCable):
    def build_model(self):
        raise FileNotFoundError("cell.swc: no such morphology file")


class Counter(BufferedSession):
    """Emits a display frame and one history sample per step, numbered 0, 1, 2, ..."""

    n_values = 64

    def __init__(self) -> None:
        super().__init__()
        self.k = 0

    def initialize(self) -> Scene:
        return Scene(fields=[
            Field("display", np.zeros(self.n_values, np.float32), ("segment",)),
            Field("history", np.zeros((0, 1), np.float32), ("time", "segment"), {"time": np.zeros(0)}),
        ])

    def advance(self) -> None:
        self.k += 1
        self.emit(DisplayFrame(field_id="display", values=np.full(self.n_values, self.k, np.float32),
                               sim_time=float(self.k)))
        self.emit(FieldAppend(field_id="history", append_dim="time",
                              values=np.array([[self.k]], np.float32), coord_values=np.array([float(self.k)]),
                              max_length=1_000_000, sim_time=float(self.k)))
        if self.k % 100 == 0:
            time.sleep(0)  # let the sender thread in


class DiesHard(FitzHughNagumoCable):
    """The worker process vanishes mid-run without a Python exception (like a simulator crash)."""

    def advance(self) -> None:
        import os

        os._exit(3)


class SleepsInInit(Counter):
    """Its initialize() sleeps for a minute (a long model build); releases the GIL meanwhile."""

    def initialize(self) -> Scene:
        time.sleep(60)
        return super().initialize()


class HoldsGilInInit(Counter):
    """Its initialize() sits in a C call that keeps the GIL for a minute (like a long hoc call in NEURON)."""

    def initialize(self) -> Scene:
        import ctypes

        ctypes.PyDLL(None).sleep(60)  # PyDLL: the GIL stays held during the call
        return super().initialize()


class MarksShutdown(Counter):
    """Runs normally; its shutdown() writes the file named by ``CNV_TEST_SHUTDOWN_MARK``."""

    def advance(self) -> None:
        super().advance()
        time.sleep(0.001)

    def shutdown(self) -> None:
        import os

        super().shutdown()
        with open(os.environ["CNV_TEST_SHUTDOWN_MARK"], "w") as handle:
            handle.write("clean")


class ReadFails(Counter):
    """Its read_updates() raises after a few steps (and every time after that)."""

    def read_updates(self):
        if self.k >= 5:
            raise ValueError(f"read_updates failed on purpose at step {self.k}")
        return super().read_updates()


class Previews(FitzHughNagumoCable):
    """Shows its morphology (`show_preview`) once built, then takes a while to reach its first state."""

    status = "building the model"
    delay = 1.5

    def build_model(self):
        geometry = super().build_model()
        self.show_preview(self.morphology_preview(geometry, self.status))
        time.sleep(self.delay)  # a slow simulator initialising its states
        return geometry


class Batched(FitzHughNagumoCable):
    """Frames far shorter than its advance target: several per `advance` once a transport allows it.

    Stimulated from the start (0.8). `step_sizes` lists the ``n_steps`` of every `step` call;
    `allow_batched_advance` says so in a `Status`.
    """

    ADVANCE_TARGET_S = 1.0

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stimulus = 0.8
        self.step_sizes: list[int] = []

    def step(self, n_steps: int):
        self.step_sizes.append(n_steps)
        return super().step(n_steps)

    def allow_batched_advance(self) -> None:
        super().allow_batched_advance()
        self.emit(Status(message="batched advance allowed"))
