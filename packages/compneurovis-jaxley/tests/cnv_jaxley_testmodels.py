"""Small Jaxley sessions shared by the tests (importable by spawned workers)."""

from __future__ import annotations

import os
from typing import Any

import jax.numpy as jnp
import jaxley as jx
import numpy as np
from jaxley.channels import HH

from compneurovis.core import ControlSpec, ScalarValueSpec, Status
from compneurovis.jaxley import JaxleySession

DT = 0.025
STIM_STEPS = 400


def stimulus(amp: float, n_steps: int = STIM_STEPS) -> jnp.ndarray:
    """A step current: 0 for 10 steps, then ``amp`` nA."""
    return jnp.concatenate([jnp.zeros(10), jnp.full(n_steps - 10, amp)])


def tiny_cell() -> jx.Cell:
    """Three branches of two compartments (root + two children)."""
    return jx.Cell(jx.Branch(jx.Compartment(), ncomp=2), parents=[-1, 0, 0])


class TinyHH(JaxleySession):
    """HH on a tiny cell; controls: stimulus amplitude, gNa, capacitance."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", DT)
        kwargs.setdefault("display_dt", 10 * DT)
        super().__init__(**kwargs)

    def build_cells(self) -> jx.Cell:
        return tiny_cell()

    def setup_model(self, network: Any, cells: list[jx.Cell]) -> None:
        network.insert(HH())
        network.branch(0).comp(0).stimulate(stimulus(0.3), verbose=False)

    def control_specs(self) -> dict[str, ControlSpec]:
        return {
            "amp": ControlSpec(id="amp", label="amp", value_spec=ScalarValueSpec(default=0.3, min=0.0, max=2.0)),
            "gNa": ControlSpec(id="gNa", label="gNa", value_spec=ScalarValueSpec(default=0.12, min=0.0, max=1.0)),
            "cm": ControlSpec(id="cm", label="cm", value_spec=ScalarValueSpec(default=1.0, min=0.0, max=5.0)),
        }

    def apply_control(self, control_id: str, value: Any) -> bool:
        if control_id == "amp":
            self.network.delete_stimuli()
            self.network.branch(0).comp(0).stimulate(stimulus(float(value)), verbose=False)
            return True
        if control_id == "gNa":
            self.network.set("HH_gNa", float(value))
            return True
        if control_id == "cm":
            self.network.set("capacitance", float(value))
            return True
        return False


class NoCells(JaxleySession):
    """A session whose build_cells returns nothing."""

    def build_cells(self) -> list[jx.Cell]:
        return []


def assert_same_voltages(actual, expected):
    """Equal to float32 precision of two differently compiled programs.

    With jax 0.10 the live and batch runs agree bit for bit; other XLA versions
    fuse differently, and float32 rounding grows to ~0.01 mV on a spike's upstroke.
    A step-index error would be off by millivolts there.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=0, atol=0.05)
    assert np.mean(np.abs(actual - expected)) < 1e-3


class ReportsJaxConfig(TinyHH):
    """TinyHH that reports, in its first status message, how JAX was set up in its process."""

    worker_compilation_cache = os.environ.get("CNV_TEST_JAX_CACHE")  # set by the test before the worker starts

    def initialize(self):
        scene = super().initialize()
        import jax

        x = jax.numpy.ones(3)  # computed after the model: what a session's arrays get
        worker = os.environ.get("COMPNEUROVIS_WORKER")
        cache = jax.config.jax_compilation_cache_dir
        cpus = len(os.sched_getaffinity(0))
        xla = {tid: os.sched_getaffinity(int(tid)) for tid in os.listdir("/proc/self/task")
               if open(f"/proc/self/task/{tid}/comm").read().startswith("tf_")}  # XLA's own threads
        xla_cpus = len(set().union(*xla.values())) if xla else 0
        self.emit(Status(message=f"{os.environ.get('XLA_FLAGS', '')}|{x.dtype}|{worker}|{cache}|{cpus}|{xla_cpus}"))
        return scene
