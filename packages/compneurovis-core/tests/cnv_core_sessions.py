"""Top-level sessions the worker process can import (spawn needs importable factories)."""

from __future__ import annotations

import time

import numpy as np

from compneurovis.core import BufferedSession, DisplayFrame, Field, FieldAppend, Scene
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
