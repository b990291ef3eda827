"""A small fit problem shared by the fit-session tests (importable by spawned workers)."""

from __future__ import annotations

from typing import Any

import jax

jax.config.update("jax_enable_x64", True)  # the gradient checks are in float64

import jax.numpy as jnp  # noqa: E402
import jaxley as jx  # noqa: E402
import optax  # noqa: E402
from jaxley.channels import HH  # noqa: E402
from jaxley.optimize.transforms import ParamTransform, SigmoidTransform  # noqa: E402

from compneurovis.jaxley import JaxleyFitSession  # noqa: E402

DT = 0.025
T_MAX = 4.0
HIDDEN = {"HH_gNa": 0.12, "HH_gK": 0.036}
START = {"HH_gNa": 0.09, "HH_gK": 0.05}
INTEGRATE = {"delta_t": DT, "t_max": T_MAX}


def fit_cell(gna: float, gk: float) -> jx.Cell:
    """Three branches of two compartments, HH, a somatic step current, the soma recorded."""
    cell = jx.Cell(jx.Branch(jx.Compartment(), ncomp=2), parents=[-1, 0, 0])
    cell.insert(HH())
    cell.set("HH_gNa", gna)
    cell.set("HH_gK", gk)
    cell.branch(0).comp(0).stimulate(jx.step_current(0.5, 2.0, 0.4, DT, T_MAX), verbose=False)
    cell.branch(0).comp(0).record("v", verbose=False)
    return cell


def target() -> jax.Array:
    """The soma trace of the hidden parameters."""
    return jx.integrate(fit_cell(HIDDEN["HH_gNa"], HIDDEN["HH_gK"]), **INTEGRATE)


def trainable_cell() -> jx.Cell:
    """The cell at the start values, gNa trained on branch 0 (one value), gK per branch (three)."""
    cell = fit_cell(START["HH_gNa"], START["HH_gK"])
    cell.branch(0).make_trainable("HH_gNa", verbose=False)
    cell.branch("all").make_trainable("HH_gK", verbose=False)
    return cell


def mse(traces: jax.Array, goal: jax.Array) -> jax.Array:
    """Mean squared difference."""
    return jnp.mean((traces - goal) ** 2)


def transform() -> ParamTransform:
    """Bounds for both conductances."""
    return ParamTransform([{"HH_gNa": SigmoidTransform(0.0, 0.5)}, {"HH_gK": SigmoidTransform(0.0, 0.2)}])


def optimizer(learning_rate: float = 0.05) -> optax.GradientTransformation:
    """Adam with an injected (changeable) learning rate."""
    return optax.inject_hyperparams(optax.adam)(learning_rate=learning_rate)


def fit_session(**kwargs: Any) -> JaxleyFitSession:
    """The test fit session (a top-level factory for workers)."""
    kwargs.setdefault("transform", transform())
    return JaxleyFitSession(trainable_cell(), loss=mse, target=target(), optimizer=optimizer(),
                            integrate_kwargs=INTEGRATE, **kwargs)
