"""`JaxleyFitSession`: watch a Jaxley model learn, one optax iteration per frame."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import optax

from compneurovis.core import (
    BufferedSession,
    DisplayFrame,
    EntityClicked,
    Error,
    FieldAppend,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    MorphologyGeometry,
    Reset,
    Scene,
    SceneError,
    ScenePatch,
    SessionCommand,
    SetControl,
    StatePatch,
    Status,
    StopSession,
)

from . import _fit_scene as fs
from ._fit_model import FitProblem, find_learning_rate, set_learning_rate
from ._scene_builder import JaxleySceneBuilder

#: Most loss values the loss field keeps (the oldest are dropped beyond).
MAX_LOSS_POINTS = 100_000


class JaxleyFitSession(BufferedSession):
    """Run a gradient-descent fit of a Jaxley model live: one optax iteration per frame.

    Each iteration (`advance`) evaluates the loss and its gradient at the
    current parameters with one jit-compiled ``jax.value_and_grad`` of
    ``loss(jx.integrate(module, params), target)``, then applies the
    optimizer's update, exactly as the plain loop
    ``updates, state = optimizer.update(grads, state, params);
    params = optax.apply_updates(params, updates)`` does, and emits, for
    iteration ``k`` (the Scene's time axis, ``sim_time = k``):

    - ``fit_parameters`` (dims ``parameter, segment``, float64): every
      trained parameter's value in every compartment at iteration ``k``
      (compartments a trainable does not set keep the module's value);
    - ``fit_gradients`` (same dims, float64): the gradient of the loss with
      respect to each optimised variable (``jax.grad`` at those parameters,
      through the ``transform`` when one is given), written onto every
      compartment that variable sets; NaN where the parameter is not trained;
    - ``fit_loss`` (dim ``time`` = iteration): the loss, one value appended
      per iteration;
    - ``fit_trace`` (dims ``series, trace_time``): each recording simulated at
      iteration ``k`` and its target;
    - ``fit_display``: the one per-compartment row the morphology shows
      (the chosen parameter's value, or its gradient in a diverging map
      centred at 0), as a `DisplayFrame`, so a recording has one frame per
      iteration and replays with the scrubber.

    Controls: ``parameter`` (which trained parameter the morphology shows),
    ``show`` (``"value"`` or ``"gradient"``) and, when the optimizer holds an
    injected learning rate (``optax.inject_hyperparams``), ``learning_rate``,
    which changes it between iterations without recompiling. Actions:
    ``reset`` (Space: initial parameters, fresh optimizer state), ``pause``
    (P) and ``step`` (Right: pause, then one iteration). Clicking a
    compartment prints its parameter values and gradients in the status bar.

    The session runs in a worker process, so `run_app` needs a top-level
    factory that builds the module and returns the session (optax
    optimizers are closures and do not pickle). Set ``jax_enable_x64``
    before building the module for double-precision fits.

    Args:
        module: A Jaxley module (cell or network) with stimuli, recordings
            (``.record()``) and trainable compartment parameters
            (``make_trainable``) set up.
        loss: ``loss(traces, target) -> scalar`` (JAX-traceable); ``traces``
            is ``jx.integrate``'s output, ``(n_recordings, n_samples)``.
        target: The traces to fit, of the simulated traces' shape.
        optimizer: An optax ``GradientTransformation``.
        transform: A Jaxley ``ParamTransform`` from the optimised variables to
            the model's parameters (e.g. to keep conductances in bounds), or
            ``None``.
        integrate_kwargs: Keyword arguments of ``jx.integrate`` (``delta_t``,
            default 0.025 ms; ``t_max``; ``solver``; ...).
        max_iterations: Pause after this many iterations (``None``: never).
        cell_names: One name per cell for entity ids (default ``cell0``, ...).
        title: Window title.

    Attributes:
        problem: The `FitProblem` (jit-compiled step, target, optimizer).
        geometry: The morphology (``None`` before `initialize`).
        iteration: Iterations done since the start or the last reset.
        opt_params: The optimised variables of the next iteration.
        opt_state: The optimizer's state.
        losses: Every loss since the start or the last reset (float64).

    Raises:
        ValueError: From `initialize`: nothing trainable, no recordings, a
            target of the wrong shape, or a loss that is not a scalar.
    """

    def __init__(self, module: Any, *, loss: Callable[[jax.Array, jax.Array], jax.Array], target: Any,
                 optimizer: optax.GradientTransformation, transform: Any = None,
                 integrate_kwargs: dict[str, Any] | None = None, max_iterations: int | None = None,
                 cell_names: list[str] | None = None, title: str = "Jaxley: watch a fit") -> None:
        super().__init__()
        self.problem = FitProblem(module, loss=loss, target=target, optimizer=optimizer, transform=transform,
                                  integrate_kwargs=integrate_kwargs)
        self.max_iterations = max_iterations
        self.cell_names = cell_names
        self.title = title
        self.geometry: MorphologyGeometry | None = None
        self.iteration = 0
        self.opt_params: Any = None
        self.opt_state: Any = None
        self.losses: list[float] = []
        self.control_values: dict[str, Any] = {}
        self._lr_path: tuple[int, ...] | None = None
        self._parameters = self._gradients = np.empty((0, 0))
        self._running = True
        self._stopped = False

    # ------------------------------------------------------------------ start

    def initialize(self) -> Scene:
        """Check the problem, build the geometry and the first Scene (compiles nothing yet)."""
        problem, module = self.problem, self.problem.module
        n_recordings, n_samples = problem.check()
        if any(np.isnan(np.asarray(b)[:, :3]).any() for b in module.xyzr):
            module.compute_xyz()  # only fills branches without coordinates
        self.geometry = JaxleySceneBuilder.build_morphology_geometry(module.nodes, xyzr=module.xyzr,
                                                                     cell_names=self.cell_names)
        self._restart()
        found = find_learning_rate(self.opt_state)
        self._lr_path = None if found is None else found[0]
        names = problem.parameters.names
        self.control_values = {cid: spec.default for cid, spec in
                               fs.control_specs(names, None if found is None else found[1]).items()}
        self._times = np.arange(n_samples) * problem.delta_t
        self._target = np.asarray(problem.target, dtype=np.float64)
        blank = np.full_like(self._target, np.nan)
        return fs.build_fit_scene(
            geometry=self.geometry, names=names, parameters=self._parameters, gradients=self._gradients,
            display=self._display(), trace_times=self._times, traces=fs.trace_values(blank, self._target),
            n_recordings=n_recordings, learning_rate=None if found is None else found[1], title=self.title)

    def _restart(self) -> None:
        problem = self.problem
        self.opt_params = problem.initial_opt
        self.opt_state = problem.optimizer.init(self.opt_params)
        if self._lr_path is not None and "learning_rate" in self.control_values:
            self.opt_state = set_learning_rate(self.opt_state, self._lr_path, self.control_values["learning_rate"])
        self.iteration = 0
        self.losses = []
        self._parameters = problem.parameters.spread(problem.initial)
        self._gradients = np.full_like(self._parameters, np.nan)

    # ---------------------------------------------------------------- running

    def is_live(self) -> bool:
        """Whether iterations run now (not paused, stopped, failed or past ``max_iterations``)."""
        return self._running and not self._stopped and not self._done()

    def _done(self) -> bool:
        return self.max_iterations is not None and self.iteration >= self.max_iterations

    def idle_sleep(self) -> float:
        """Seconds to sleep per loop turn while paused."""
        return 0.02

    def advance(self) -> None:
        """Run one optimisation iteration and emit its fields (see the class docstring)."""
        problem = self.problem
        new_params, new_state, loss, grads, traces, model_params = problem.step(self.opt_params, self.opt_state)
        loss_value = float(loss)
        k = self.iteration
        self._parameters = problem.parameters.spread(model_params)
        self._gradients = problem.parameters.spread(grads, fill=np.full_like(self._parameters, np.nan))
        self.opt_params, self.opt_state = new_params, new_state
        self.iteration = k + 1
        self.losses.append(loss_value)
        now = time.monotonic()
        t = float(k)
        self.emit(DisplayFrame(field_id=fs.DISPLAY_FIELD, values=self._display(), sim_time=t, produced_at=now))
        self.emit(FieldReplace(field_id=fs.PARAMETERS_FIELD, values=self._parameters, sim_time=t))
        self.emit(FieldReplace(field_id=fs.GRADIENTS_FIELD, values=self._gradients, sim_time=t))
        self.emit(FieldAppend(field_id=fs.LOSS_FIELD, append_dim="time", values=np.array([loss_value]),
                              coord_values=np.array([t]), max_length=MAX_LOSS_POINTS, sim_time=t, produced_at=now))
        self.emit(FieldReplace(field_id=fs.TRACE_FIELD, sim_time=t,
                               values=fs.trace_values(np.asarray(traces, dtype=np.float64), self._target)))
        if not math.isfinite(loss_value):
            self._running = False
            self.emit(Error(message=f"the loss became {loss_value} at iteration {k}; paused: "
                                    "lower the learning rate and restart"))
        else:
            self.emit(Status(message=f"iteration {k}: loss {loss_value:.6g}", sim_time=t))
        if self._done():
            self.emit(Status(message=f"done: {self.iteration} iterations, loss {loss_value:.6g}", sim_time=t))

    def _display(self) -> np.ndarray:
        """The morphology's row: the chosen parameter's values or gradients, float32."""
        names = self.problem.parameters.names
        row = names.index(self.control_values.get("parameter", names[0]))
        source = self._gradients if self.control_values.get("show") == "gradient" else self._parameters
        with np.errstate(over="ignore"):
            return source[row].astype(np.float32)

    # --------------------------------------------------------------- commands

    def handle(self, command: SessionCommand) -> None:
        """Controls, actions, keys, clicks, reset and stop; a bad command becomes an `Error` update."""
        try:
            self._dispatch(command)
        except SceneError as exc:
            self.emit(Error(message=str(exc)))

    def _dispatch(self, command: SessionCommand) -> None:
        if isinstance(command, Reset):
            self._invoke("reset")
        elif isinstance(command, SetControl):
            self._set_control(command.control_id, command.value)
        elif isinstance(command, InvokeAction):
            self._invoke(command.action_id)
        elif isinstance(command, KeyPressed):
            action = next((a.id for a in fs.action_specs().values() if command.key in a.shortcuts), None)
            if action is not None:
                self._invoke(action)
        elif isinstance(command, EntityClicked):
            self._clicked(command.entity_id)
        elif isinstance(command, StopSession):
            self._stopped = True

    def _set_control(self, control_id: str, value: Any) -> None:
        names = self.problem.parameters.names
        specs = fs.control_specs(names, self.control_values.get("learning_rate"))
        if control_id not in specs:
            raise SceneError(f"unknown control {control_id!r}; this session has {sorted(specs)}")
        value = specs[control_id].validate(value)
        self.control_values[control_id] = value
        if control_id == "learning_rate":
            assert self._lr_path is not None
            self.opt_state = set_learning_rate(self.opt_state, self._lr_path, value)
        else:
            style = fs.display_style(self.control_values["parameter"], self.control_values["show"])
            self.emit(ScenePatch(views={fs.MORPHOLOGY_VIEW: style}))
            self.emit(DisplayFrame(field_id=fs.DISPLAY_FIELD, values=self._display(),
                                   sim_time=float(max(self.iteration - 1, 0))))
        self.emit(StatePatch(values={control_id: value}))

    def _invoke(self, action_id: str) -> None:
        if action_id not in fs.action_specs():
            raise SceneError(f"unknown action {action_id!r}; this session has {sorted(fs.action_specs())}")
        if action_id == "reset":
            self._restart()
            self._running = True
            self.emit(DisplayFrame(field_id=fs.DISPLAY_FIELD, values=self._display(), sim_time=0.0))
            self.emit(FieldReplace(field_id=fs.PARAMETERS_FIELD, values=self._parameters, sim_time=0.0))
            self.emit(FieldReplace(field_id=fs.GRADIENTS_FIELD, values=self._gradients, sim_time=0.0))
            self.emit(FieldReplace(field_id=fs.LOSS_FIELD, values=np.empty(0), coords={"time": np.empty(0)},
                                   sim_time=0.0))
            blank = np.full_like(self._target, np.nan)
            self.emit(FieldReplace(field_id=fs.TRACE_FIELD, values=fs.trace_values(blank, self._target),
                                   sim_time=0.0))
            self.emit(Status(message="fit restarted", sim_time=0.0))
        elif action_id == "pause":
            self._running = not self._running
            self.emit(Status(message=f"{'running' if self._running else 'paused'} at iteration {self.iteration}"))
        elif action_id == "step":
            self._running = False
            self.advance()

    def _clicked(self, entity_id: str) -> None:
        assert self.geometry is not None
        row = self.geometry.index_of(entity_id)  # unknown ids raise SceneError
        parts = [f"{name} = {self._parameters[p, row]:.6g} (d loss: {self._gradients[p, row]:.3g})"
                 for p, name in enumerate(self.problem.parameters.names)]
        self.emit(Status(message=f"{entity_id}: " + ", ".join(parts)))

    def shutdown(self) -> None:
        """Stop iterating."""
        self._stopped = True
