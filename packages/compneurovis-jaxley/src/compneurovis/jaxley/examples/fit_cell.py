"""Watch a fit: gradient descent recovers hidden HH conductances of a 121-compartment cell.

A soma and a binary tree of 30 dendrites (4 compartments each, 121 in all),
Hodgkin-Huxley everywhere, a somatic step current. The target traces (soma
and one distal tip) come from the same model with hidden conductances: gNa
0.12 S/cm² at the soma and 0.05 in the dendrites, gK 0.036, gLeak 0.0003. The
fit starts elsewhere and trains four values of three conductances (gNa of the
soma, gNa of the dendrites, gK and gLeak of the whole cell) with Adam, each
kept in bounds by Jaxley's ``SigmoidTransform``. Run it headless::

    python -m compneurovis.jaxley.examples.fit_cell --frames 100

or open it in the Qt window through the ``jaxley-fit`` demo.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import jax

jax.config.update("jax_enable_x64", True)  # before any array of the model exists

import jax.numpy as jnp  # noqa: E402
import jaxley as jx  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from jaxley.channels import HH  # noqa: E402
from jaxley.optimize.transforms import ParamTransform, SigmoidTransform  # noqa: E402

from compneurovis.core import WORKER_ENV  # noqa: E402
from compneurovis.jaxley import JaxleyFitSession, JaxleySession  # noqa: E402

from .._session import _limit_xla_threads, _use_compilation_cache  # noqa: E402
from ._headless import frames_argument, run_headless  # noqa: E402

DT = 0.025
T_MAX = 15.0
LEVELS = 5  # a binary tree: 2**5 - 1 = 31 branches
#: The conductances that made the target (S/cm²).
HIDDEN = {"soma_gNa": 0.12, "dend_gNa": 0.05, "gK": 0.036, "gLeak": 0.0003}
#: Where the fit starts.
START = {"soma_gNa": 0.08, "dend_gNa": 0.08, "gK": 0.05, "gLeak": 0.0005}
#: Upper bounds of the SigmoidTransform of each trainable (lower bounds are 0).
UPPER = {"soma_gNa": 0.5, "dend_gNa": 0.5, "gK": 0.2, "gLeak": 0.002}


def tree_cell(conductances: dict[str, float]) -> jx.Cell:
    """The soma (1 compartment) and 30 dendrites (4 each), HH, the stimulus and two recordings."""
    parents = [-1] + [(i - 1) // 2 for i in range(1, 2**LEVELS - 1)]
    soma = jx.Branch(jx.Compartment(), ncomp=1)
    dendrite = jx.Branch(jx.Compartment(), ncomp=4)
    cell = jx.Cell([soma] + [dendrite] * (len(parents) - 1), parents=parents)
    cell.branch(0).set("radius", 8.0)
    cell.branch(0).set("length", 16.0)
    cell.insert(HH())
    cell.set("HH_gNa", conductances["dend_gNa"])
    cell.branch(0).set("HH_gNa", conductances["soma_gNa"])
    cell.set("HH_gK", conductances["gK"])
    cell.set("HH_gLeak", conductances["gLeak"])
    cell.compute_xyz()
    cell.branch(0).comp(0).stimulate(jx.step_current(1.0, T_MAX - 3.0, 0.5, DT, T_MAX), verbose=False)
    cell.branch(0).comp(0).record("v", verbose=False)
    cell.branch(len(parents) - 1).comp(3).record("v", verbose=False)
    return cell


def mse(traces: jax.Array, target: jax.Array) -> jax.Array:
    """Mean squared voltage difference over both recordings, in mV²."""
    return jnp.mean((traces - target) ** 2)


class FitCellSession(JaxleyFitSession):
    """Gradient descent recovering hidden HH conductances of a 121-compartment cell, live."""

    def __init__(self, **kwargs: Any) -> None:
        if os.environ.get(WORKER_ENV) == "1":  # our own worker process: tuned as JaxleySession tunes it
            if JaxleySession.worker_xla_threads is not None:
                _limit_xla_threads(JaxleySession.worker_xla_threads)  # before JAX's first computation
            if JaxleySession.worker_compilation_cache is not None:
                _use_compilation_cache(JaxleySession.worker_compilation_cache)  # the next start compiles less
        target = jx.integrate(tree_cell(HIDDEN), delta_t=DT)
        cell = tree_cell(START)
        cell.branch(0).make_trainable("HH_gNa", verbose=False)
        dendrites = cell.branch(list(range(1, 2**LEVELS - 1)))
        dendrites.nodes["controlled_by_param"] = 0  # one value shared by all dendrites (else one per branch)
        dendrites.make_trainable("HH_gNa", verbose=False)
        cell.make_trainable("HH_gK", verbose=False)
        cell.make_trainable("HH_gLeak", verbose=False)
        transform = ParamTransform([{key: SigmoidTransform(0.0, upper)}
                                    for key, upper in zip(("HH_gNa", "HH_gNa", "HH_gK", "HH_gLeak"),
                                                          UPPER.values(), strict=True)])
        kwargs.setdefault("max_iterations", 400)
        kwargs.setdefault("title", "Jaxley: watch a fit (hidden HH conductances)")
        super().__init__(cell, loss=mse, target=target, transform=transform,
                         optimizer=optax.inject_hyperparams(optax.adam)(learning_rate=0.1),
                         integrate_kwargs={"delta_t": DT}, cell_names=["cell"], **kwargs)


def main(argv: list[str] | None = None) -> int:
    """Run the fit headless in a worker and print a one-line summary."""
    frames = frames_argument(__doc__.splitlines()[0], 100, argv)
    scene, seen = run_headless(FitCellSession, frames, field_id="fit_display")
    loss = scene.fields["fit_loss"].values
    values = scene.fields["fit_parameters"].values
    fitted = {"soma_gNa": values[0, 0], "dend_gNa": values[0, -1], "gK": values[1, 0], "gLeak": values[2, 0]}
    print(f"Jaxley fit: {values.shape[1]} compartments, {seen} iterations, loss {loss[0]:.4g} -> {loss[-1]:.4g}; "
          + ", ".join(f"{k} {fitted[k]:.4g} (hidden {HIDDEN[k]:.4g})" for k in HIDDEN))
    return 0 if np.isfinite(loss[-1]) else 1


if __name__ == "__main__":
    sys.exit(main())
