"""A jit-compiled multi-step integrator built from Jaxley's own init/step functions.

`Stepper` wraps ``jaxley.integrate.build_init_and_step_fn`` in a
``jax.lax.scan`` over a fixed number of steps. State, parameters and external
inputs are jit *arguments*, so changing a conductance or a stimulus amplitude
reuses the compiled function; only a change of shape (another number of
stimuli, a longer stimulus) or of steps per call compiles again.

External inputs are indexed by the absolute step number ``k`` (the step from
``k * dt`` to ``(k + 1) * dt`` uses row ``k``), exactly as ``jx.integrate``
does, so a live run equals a batch run. Past the end of its array a current
(``"i"``) is zero, as ``jx.integrate`` pads it; a clamp holds its last value.
With ``loop=True`` every external repeats with the period of its array.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jaxley.integrate import build_init_and_step_fn

State = dict[str, Any]


def resolve_voltage_solver(module: Any, voltage_solver: str) -> str:
    """Resolve ``"jaxley.dhs"`` to the CPU or GPU variant, as ``jx.integrate`` does."""
    if voltage_solver == "jaxley.dhs":
        device = getattr(module, "_solver_device", "cpu")
        return "jaxley.dhs.gpu" if device in ("gpu", "tpu") else "jaxley.dhs.cpu"
    return voltage_solver


def _external_row(key: str, values: jax.Array, step: jax.Array, loop: bool) -> jax.Array:
    # ``values`` is (T, n) for clamps and (T + 1, n) for "i" (a trailing zero row).
    period = values.shape[0] - 1 if key == "i" else values.shape[0]
    if loop:
        index = step % period
    else:
        index = jnp.minimum(step, period if key == "i" else period - 1)
    return jax.lax.dynamic_index_in_dim(values, index, keepdims=False)


class Stepper:
    """Init and jit-compiled multi-step integration of one Jaxley module.

    Args:
        module: An initialised Jaxley module (cell or network); its structure
            (compartments, channels, synapses) must not change afterwards.
        dt: Time step, in ms.
        solver: Jaxley ODE solver (``"bwd_euler"``, ``"crank_nicolson"``,
            ``"fwd_euler"`` or ``"exp_euler"``).
        voltage_solver: Jaxley voltage solver; ``"jaxley.dhs"`` picks CPU or GPU.
        state: The state recorded per compartment (``"v"``: membrane voltage).
    """

    def __init__(
        self,
        module: Any,
        *,
        dt: float,
        solver: str = "bwd_euler",
        voltage_solver: str = "jaxley.dhs",
        state: str = "v",
    ) -> None:
        self.module = module
        self.dt = float(dt)
        self.solver = solver
        self.state = state
        self.voltage_solver = resolve_voltage_solver(module, voltage_solver)
        self._init_fn, self._step_fn = build_init_and_step_fn(
            module, voltage_solver=self.voltage_solver, solver=solver
        )
        self.comp_inds = np.asarray(module.nodes.index.to_numpy(), dtype=np.int64)
        self._run = jax.jit(partial(Stepper._run_steps, self), static_argnames=("n_steps", "loop"))

    def init(self, states: State | None = None) -> tuple[State, State]:
        """Return ``(states, params)`` read from the module.

        Args:
            states: Keep these states (only re-read the parameters); ``None``
                initialises the states from the module, as ``jx.integrate`` does.
        """
        self.module.to_jax()
        states, params = self._init_fn(self.module.get_parameters(), states, None, self.dt)
        if self.solver == "exp_euler":
            matrix = self.module.solver_customizers["exp_euler"]["exp_euler_transition"]
            if matrix is None:
                matrix = self.module.build_exp_euler_transition_matrix(
                    delta_t=self.dt, axial_conductances=params["axial_conductances"]
                )
            params["exp_euler_transition"] = matrix
        return states, params

    def externals(self) -> tuple[dict[str, jax.Array], dict[str, jax.Array]]:
        """Return the module's external inputs as ``(values, indices)`` jit arguments."""
        values: dict[str, jax.Array] = {}
        indices: dict[str, jax.Array] = {}
        for key, array in self.module.externals.items():
            rows = jnp.asarray(array).T  # (time, n_inputs)
            if key == "i":
                rows = jnp.concatenate([rows, jnp.zeros((1, rows.shape[1]), rows.dtype)])
            values[key] = rows
            indices[key] = jnp.asarray(self.module.external_inds[key])
        return values, indices

    def record(self, states: State) -> np.ndarray:
        """Return the recorded state of every compartment, ``(n_comps,)``."""
        return np.asarray(states[self.state][self.comp_inds])

    def _run_steps(
        self,
        states: State,
        params: State,
        externals: dict[str, jax.Array],
        external_inds: dict[str, jax.Array],
        start_step: jax.Array,
        *,
        n_steps: int,
        loop: bool,
    ) -> tuple[State, jax.Array]:
        def body(carry: State, step: jax.Array) -> tuple[State, jax.Array]:
            now = {key: _external_row(key, values, step, loop) for key, values in externals.items()}
            carry = self._step_fn(carry, params, now, external_inds, self.dt)
            return carry, carry[self.state][self.comp_inds]

        steps = start_step + jnp.arange(n_steps, dtype=jnp.int32)
        return jax.lax.scan(body, states, steps)

    def run(
        self,
        states: State,
        params: State,
        externals: dict[str, jax.Array],
        external_inds: dict[str, jax.Array],
        start_step: int,
        n_steps: int,
        *,
        loop: bool = False,
    ) -> tuple[State, np.ndarray]:
        """Integrate ``n_steps`` steps from absolute step ``start_step``.

        Returns:
            The final states and the ``(n_steps, n_comps)`` recorded values.
        """
        states, values = self._run(
            states, params, externals, external_inds, np.int32(start_step), n_steps=n_steps, loop=loop
        )
        return states, np.asarray(values)
