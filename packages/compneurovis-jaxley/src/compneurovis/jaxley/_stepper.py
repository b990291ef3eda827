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
        state: The state (or parameter) recorded per compartment (``"v"``: membrane
            voltage); settable between runs.
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
        self._run = jax.jit(partial(Stepper._run_steps, self), static_argnames=("n_steps", "loop", "names"))

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

    def record(self, states: State, params: State | None = None, name: str | None = None) -> np.ndarray:
        """Return one state or parameter of every compartment, ``(n_comps,)`` (default: `state`).

        Args:
            states: The states (as `init` and `run` return them).
            params: The parameters, needed when ``name`` is a parameter.
            name: A state (``"v"``, ``"HH_m"``) or parameter (``"HH_gNa"``) name.
        """
        name = self.state if name is None else name
        source = states if name in states or params is None else params
        return np.asarray(source[name][self.comp_inds])

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
        names: tuple[str, ...],
    ) -> tuple[State, tuple[jax.Array, ...]]:
        def body(carry: State, step: jax.Array) -> tuple[State, tuple[jax.Array, ...]]:
            now = {key: _external_row(key, values, step, loop) for key, values in externals.items()}
            carry = self._step_fn(carry, params, now, external_inds, self.dt)
            return carry, tuple((carry[n] if n in carry else params[n])[self.comp_inds] for n in names)

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
        also: str | None = None,
    ) -> tuple[State, np.ndarray, np.ndarray | None]:
        """Integrate ``n_steps`` steps from absolute step ``start_step``.

        The recorded name is compiled in: the first run after `state` changes
        compiles once more (JAX keeps both).

        Args:
            states: States to start from.
            params: Parameters (from `init`).
            externals: External input values (from `externals`).
            external_inds: Their compartment indices (from `externals`).
            start_step: Absolute index of the first step (indexes the externals).
            n_steps: Steps to integrate.
            loop: Repeat the externals after their end instead of zero / hold.
            also: A second state or parameter to record each step (e.g. ``"v"``
                for spike detection while another state is shown).

        Returns:
            The final states, the ``(n_steps, n_comps)`` values of `state`, and
            those of ``also`` (``None`` when not given).
        """
        names = (self.state,) if also is None else (self.state, also)
        states, values = self._run(
            states, params, externals, external_inds, np.int32(start_step), n_steps=n_steps, loop=loop, names=names
        )
        return states, np.asarray(values[0]), None if also is None else np.asarray(values[1])
