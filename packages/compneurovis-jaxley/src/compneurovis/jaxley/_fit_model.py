"""The numerical half of `JaxleyFitSession`: the jit-compiled optax step and per-compartment maps.

`FitProblem` holds a Jaxley module with trainable parameters (Jaxley's own
``make_trainable``), a loss over the traces ``jx.integrate`` records, the
target, an optional Jaxley ``ParamTransform`` and an optax optimizer. Its
`FitProblem.step` is one jit-compiled iteration::

    (loss, traces), grads = value_and_grad(objective, has_aux=True)(opt_params)
    updates, opt_state = optimizer.update(grads, opt_state, opt_params)
    opt_params = optax.apply_updates(opt_params, updates)

so its losses are those of the same optax loop written without a viewer.
`ParameterMap` spreads the trainables (one value per group of compartments
that ``make_trainable`` shares) onto the compartments, in the order of the
module's ``nodes`` (the geometry's entity order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jaxley as jx
import numpy as np
import optax

Params = list[dict[str, Any]]


class ParameterMap:
    """Per-compartment values of the trained parameters, from the trainables.

    Args:
        module: The Jaxley module whose ``make_trainable`` calls made the trainables.

    Raises:
        ValueError: If nothing is trainable, or a trainable is not a
            compartment parameter (synaptic parameters live on edges).
    """

    def __init__(self, module: Any) -> None:
        params = module.get_parameters()
        if not params:
            raise ValueError("the module has no trainable parameters: call e.g. "
                             "module.make_trainable('HH_gNa') before building the fit session")
        nodes = module.nodes
        row_of = {int(label): row for row, label in enumerate(nodes.index.to_numpy())}
        self.n_comps = len(nodes)
        #: Names of the trained parameters (each once), in the order first made trainable.
        self.names: list[str] = []
        #: Per trainable: (name, rows of the compartments it sets: (n_groups, group_size), -1 padded).
        self._slots: list[tuple[int, np.ndarray]] = []
        for k, (entry, inds) in enumerate(zip(params, module.indices_set_by_trainables, strict=True)):
            (name,) = entry
            if name not in nodes.columns:
                raise ValueError(f"trainable {k} ({name!r}) is not a compartment parameter (not a column of "
                                 "module.nodes, e.g. a synapse parameter); a fit session shows compartment "
                                 "parameters only")
            if name not in self.names:
                self.names.append(name)
            inds = np.asarray(inds, dtype=np.int64).reshape(len(np.atleast_1d(entry[name])), -1)
            rows = np.array([[row_of.get(int(i), -1) if i >= 0 else -1 for i in group] for group in inds],
                            dtype=np.int64).reshape(inds.shape)
            self._slots.append((self.names.index(name), rows))
        #: Values of every trained parameter in every compartment before training, ``(n_params, n_comps)``.
        self.base = np.stack([nodes[name].to_numpy(dtype=np.float64) for name in self.names])

    def spread(self, trainables: Params, fill: np.ndarray | None = None) -> np.ndarray:
        """``(n_params, n_comps)``: each trainable's value written onto the compartments it sets.

        Args:
            trainables: Values shaped like ``module.get_parameters()``.
            fill: Values of the compartments no trainable sets (default: `base`,
                the module's own values); e.g. NaN for gradients.
        """
        out = np.array(self.base if fill is None else fill, dtype=np.float64)
        for (row, rows), entry in zip(self._slots, trainables, strict=True):
            (values,) = entry.values()
            values = np.broadcast_to(np.asarray(values, dtype=np.float64).reshape(-1, 1), rows.shape)
            used = rows >= 0
            out[row, rows[used]] = values[used]
        return out


def find_learning_rate(opt_state: Any) -> tuple[tuple[int, ...], float] | None:
    """Where ``opt_state`` holds an injected ``learning_rate`` (``optax.inject_hyperparams``), and its value.

    Returns:
        ``(path, value)``: ``path`` the tuple indices down to the state that
        holds it (``()`` for the top level), or ``None`` when there is none.
    """
    hyper = getattr(opt_state, "hyperparams", None)
    if isinstance(hyper, dict) and "learning_rate" in hyper:
        return (), float(hyper["learning_rate"])
    if isinstance(opt_state, tuple) and not hasattr(opt_state, "_fields"):
        for k, inner in enumerate(opt_state):
            found = find_learning_rate(inner)
            if found is not None:
                return (k, *found[0]), found[1]
    return None


def set_learning_rate(opt_state: Any, path: tuple[int, ...], value: float) -> Any:
    """``opt_state`` with the injected learning rate at ``path`` set to ``value`` (same dtype, no recompiling)."""
    if path:
        parts = list(opt_state)
        parts[path[0]] = set_learning_rate(parts[path[0]], path[1:], value)
        return type(opt_state)(parts)
    old = opt_state.hyperparams["learning_rate"]
    return opt_state._replace(hyperparams={**opt_state.hyperparams,
                                           "learning_rate": jnp.asarray(value, dtype=jnp.asarray(old).dtype)})


class FitProblem:
    """A Jaxley module, a loss over its recorded traces, a target and an optax optimizer.

    Args:
        module: A Jaxley module with recordings (``.record()``), stimuli and
            trainable parameters (``make_trainable``) set up.
        loss: ``loss(traces, target) -> scalar``; ``traces`` is what
            ``jx.integrate`` returns, ``(n_recordings, n_samples)``.
        target: The traces to fit, the shape of ``traces``.
        optimizer: An optax ``GradientTransformation``.
        transform: A Jaxley ``ParamTransform`` from optimised to model
            parameters, or ``None`` (optimise the parameters themselves).
        integrate_kwargs: Keyword arguments of ``jx.integrate`` (``delta_t``,
            ``t_max``, ``solver``, ``checkpoint_lengths``, ...).
    """

    def __init__(self, module: Any, *, loss: Callable[[jax.Array, jax.Array], jax.Array], target: Any,
                 optimizer: optax.GradientTransformation, transform: Any = None,
                 integrate_kwargs: dict[str, Any] | None = None) -> None:
        self.module = module
        self.loss = loss
        self.target = jnp.asarray(target)
        self.optimizer = optimizer
        self.transform = transform
        self.integrate_kwargs = dict(integrate_kwargs or {})
        self.delta_t = float(self.integrate_kwargs.get("delta_t", 0.025))
        self.parameters = ParameterMap(module)
        self.initial = jax.tree_util.tree_map(jnp.asarray, module.get_parameters())
        self.initial_opt = self.initial if transform is None else transform.inverse(self.initial)
        self._step = jax.jit(self._iteration)

    def model_params(self, opt_params: Params) -> Params:
        """The model's trainables for optimised parameters ``opt_params`` (through the transform)."""
        return opt_params if self.transform is None else self.transform.forward(opt_params)

    def simulate(self, opt_params: Params) -> jax.Array:
        """``jx.integrate`` of the module at ``opt_params``."""
        return jx.integrate(self.module, params=self.model_params(opt_params), **self.integrate_kwargs)

    def objective(self, opt_params: Params) -> tuple[jax.Array, jax.Array]:
        """``(loss, traces)`` at ``opt_params``."""
        traces = self.simulate(opt_params)
        return self.loss(traces, self.target), traces

    def check(self) -> tuple[int, ...]:
        """Check shapes without compiling; return the shape of the simulated traces.

        Raises:
            ValueError: No recordings, a target of another shape, or a loss that is not a scalar.
        """
        if not len(getattr(self.module, "recordings", [])):
            raise ValueError("the module records nothing: call e.g. module.branch(0).comp(0).record('v') "
                             "before building the fit session")
        traces = jax.eval_shape(self.simulate, self.initial_opt)
        if tuple(traces.shape) != tuple(self.target.shape):
            raise ValueError(f"target has shape {tuple(self.target.shape)}, but jx.integrate records "
                             f"{tuple(traces.shape)} (recordings x samples)")
        loss = jax.eval_shape(self.loss, traces, self.target)
        if loss.shape != ():
            raise ValueError(f"loss must return a scalar, got shape {loss.shape}")
        return tuple(traces.shape)

    def _iteration(self, opt_params: Params, opt_state: Any) -> tuple[Any, ...]:
        (value, traces), grads = jax.value_and_grad(self.objective, has_aux=True)(opt_params)
        updates, opt_state = self.optimizer.update(grads, opt_state, opt_params)
        new_params = optax.apply_updates(opt_params, updates)
        return new_params, opt_state, value, grads, traces, self.model_params(opt_params)

    def step(self, opt_params: Params, opt_state: Any) -> tuple[Any, ...]:
        """One iteration at ``opt_params``.

        Returns:
            ``(next opt_params, next opt_state, loss, grads, traces, model params)``;
            loss, gradients (of the loss with respect to ``opt_params``), traces
            and model parameters are those at ``opt_params``, before the update.
        """
        return self._step(opt_params, opt_state)
