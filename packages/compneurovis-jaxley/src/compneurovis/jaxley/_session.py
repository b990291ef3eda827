"""`JaxleySession`: a live Jaxley simulation on its morphology."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jax
import jaxley as jx
import numpy as np
import pandas as pd
from jaxley.modules import Module

from compneurovis.core import (
    SPIKE_FIELD_ID,
    WORKER_ENV,
    FieldReplace,
    HistoryCaptureMode,
    LiveMorphologySession,
    MorphologyGeometry,
    Scene,
    SessionCommand,
    SetControl,
    spike_append,
    spike_field,
)

from ._picker import JaxleyVariablePicker
from ._scene_builder import JaxleySceneBuilder
from ._spikes import VoltageSpikes
from ._stepper import Stepper

#: The status line of the cell a session shows (grey) while Jaxley initialises its states.
PREVIEW_STATUS = "the cell (grey) while Jaxley initialises its states"


class JaxleySession(JaxleyVariablePicker, LiveMorphologySession, ABC):
    """Base class for live Jaxley-backed CompNeuroVis sessions.

    Subclasses return cells from `build_cells` and configure channels, synapses
    and stimuli in `setup_model`. The session then integrates ``display_dt`` of
    simulated time per frame with a jit-compiled ``jax.lax.scan`` of Jaxley's
    own step function, carrying the state from frame to frame; the values it
    shows equal ``jx.integrate`` of the same module at the same ``dt``.

    Controls: ``apply_control`` changes the module (``network.set(...)``,
    ``network.delete_stimuli()`` then ``...stimulate(...)``); after every
    ``SetControl`` the session re-reads external inputs, and parameters if the
    module's nodes or edges changed, before the next step, keeping the state
    (no restart, no recompilation unless shapes change). Call `refresh_runtime_parameters` or
    `refresh_runtime_externals` yourself when the module changes elsewhere.
    The structure (compartments, channels, synapses) is fixed after
    `initialize`.

    Variable picker: the window offers every state and parameter of the
    module (``v``, ``HH_m``, ``HH_gNa``, ``radius``...) as the ``"variable"``
    control, switchable while running (`switch_variable`); the first run of
    a newly shown name compiles once (for each count of frames per call it runs at).

    Stimuli and clamps are indexed by absolute step: the step from ``k * dt``
    uses sample ``k``; a current is zero after its end, a clamp holds its last
    value, unless `loop_externals` returns ``True``, which repeats them.

    In a transport's loop (after `allow_batched_advance`), a model whose frame
    takes less than `ADVANCE_TARGET_S` (2 ms) of wall-clock time advances 2, 4,
    8 or 16 frames per call as one compiled scan (`frames_per_advance`): each
    call costs JAX's dispatch and a wait for the result, about 0.2 ms, which
    is most of a small model's frame. Each of these counts compiles once.

    Args:
        dt: Integration time step, in ms.
        v_init: Initial membrane potential, in mV, set on every compartment
            before `setup_model` (which may override it); channel states then
            start at their steady state (``init_states``), recomputed with the
            current parameters at every reset.
        max_samples: Most history samples kept per traced compartment.
        display_dt: Simulated time per display frame, in ms (``None``: one step).
        history_capture_mode: `HistoryCaptureMode` or its string value.
        title: Window title.

    Attributes:
        cells: The cells from `build_cells`, as a list (``None`` before `initialize`).
        network: The simulated module from `build_network` (``None`` before `initialize`).
        geometry: The morphology (``None`` before `initialize`).
        solver: Jaxley ODE solver used (class attribute).
        voltage_solver: Jaxley voltage solver used (class attribute).
        recorded_state: The per-compartment state shown (class attribute, ``"v"``).
        enable_x64: Switch JAX to double precision (``jax_enable_x64``, as
            Jaxley's documentation sets it) before the model is built (class
            attribute, ``True``). A live session runs for minutes of simulated
            time; in float32, Jaxley's HH cells can turn NaN after a few
            seconds of it (the CA1 demo, and ``jx.integrate`` of the same
            model, at 3.2 s). The switch is process-wide: set ``False`` to keep
            JAX's float32 default.
        worker_xla_threads: In a CompNeuroVis worker process (where `run_app`
            runs sessions), XLA's CPU thread pool gets this many threads,
            set before JAX starts, and the process is kept on as many CPUs
            (``os.sched_setaffinity``, where the OS has it: XLA's flags alone
            no longer bound its threads) (class attribute, ``1``; ``None``
            leaves XLA's default of one per core, on every CPU). Models of a few hundred
            compartments step as fast on one thread, and the other cores
            stay free to draw the window.
        worker_compilation_cache: In a CompNeuroVis worker process, JAX's
            persistent compilation cache lives here, so the next start of the
            same model skips most of JAX's compiling (the CA1 demo's first
            Scene: 15 s, then 8 s). Class attribute, default
            ``~/.cache/compneurovis/jax`` (``$XDG_CACHE_HOME`` respected);
            ``None`` turns it off; a cache the user configured is kept.
    """

    scene_builder = JaxleySceneBuilder
    ADVANCE_TARGET_S = 0.002
    MAX_FRAMES_PER_ADVANCE = 16  # a small model's frame is mostly the call's own cost
    solver: str = "bwd_euler"
    voltage_solver: str = "jaxley.dhs"
    recorded_state: str = "v"
    enable_x64: bool = True
    worker_xla_threads: int | None = 1
    worker_compilation_cache: str | None = str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "compneurovis" / "jax")

    def __init__(
        self,
        *,
        dt: float = 0.1,
        v_init: float = -70.0,
        max_samples: int = 1000,
        display_dt: float | None = 0.1,
        history_capture_mode: HistoryCaptureMode | str = HistoryCaptureMode.ON_DEMAND,
        title: str = "CompNeuroVis",
    ) -> None:
        super().__init__(
            dt=dt, v_init=v_init, max_samples=max_samples, display_dt=display_dt,
            history_capture_mode=history_capture_mode, title=title,
        )
        self.cells: list[jx.Cell] | None = None
        self.network: Any = None
        self.geometry: MorphologyGeometry | None = None
        self._stepper: Stepper | None = None
        self._states: dict[str, Any] | None = None
        self._params: dict[str, Any] | None = None
        self._externals: dict[str, Any] = {}
        self._external_inds: dict[str, Any] = {}
        self._step_index = 0
        self._params_stale = False
        self._externals_stale = False
        self._fingerprint: tuple[int, int] | None = None
        self._spikes: VoltageSpikes | None = None
        self._spike_cells: list[str] = []

    # ---------------------------------------------------------- model authoring

    @abstractmethod
    def build_cells(self) -> Iterable[jx.Cell] | jx.Cell:
        """Return one Jaxley cell or an iterable of cells for the session."""

    def build_network(self, cells: list[jx.Cell]) -> Any:
        """Build the Jaxley network from the returned cells.

        Default: ``jx.Network(cells)``, also for a single cell, so that
        `setup_model` and controls can always address
        ``network.cell(i).branch(j)...`` (a network also answers
        ``network.branch(j)``, ``network.comp(k)``, ``network.set`` and the
        rest of a cell's calls). Override to return any Jaxley module; it is
        the module simulated and shown.
        """
        return jx.Network(cells)

    def setup_model(self, network: Any, cells: list[jx.Cell]) -> None:
        """Configure channels, stimuli, recordings, or other runtime setup.

        Configure through ``network`` (by default a ``jx.Network``, which holds
        copies of the cells: changing ``cells`` has no effect on the
        simulation). Default: nothing.
        """

    def cell_names(self, cells: list[jx.Cell]) -> list[str]:
        """Return one unique name per cell, used in entity ids (default ``cell<i>``)."""
        return [f"cell{i}" for i in range(len(cells))]

    def spike_threshold(self) -> float | None:
        """Threshold, in mV, of spike detection on the emitted voltage; ``None`` (default): none.

        When set, every step's emitted value of each `spike_sources` entity is
        checked; an upward crossing fills the spike field (id ``"spikes"``,
        see `compneurovis.core.spike_field`) at that step's time.
        """
        return None

    def spike_sources(self) -> list[tuple[str, str]]:
        """``[(cell name, entity id)]``: where spikes are detected. Default: each cell's first compartment."""
        assert self.geometry is not None
        first: dict[str, str] = {}
        for entity, cell in zip(self.geometry.entity_ids, self.geometry.cell_names, strict=True):
            first.setdefault(cell, entity)
        return list(first.items())

    def spike_populations(self) -> list[str] | None:
        """Population of each cell of `spike_sources`, or ``None``."""
        return None

    def loop_externals(self) -> bool:
        """Whether stimuli and clamps repeat with the period of their arrays (default ``False``)."""
        return False

    # -------------------------------------------------------------- hooks

    def build_model(self) -> MorphologyGeometry:
        """Build the cells, the network and its geometry, and compile nothing yet."""
        if os.environ.get(WORKER_ENV) == "1":  # our own process: tune JAX for a live session
            if self.worker_xla_threads is not None:
                _limit_xla_threads(self.worker_xla_threads)
            if self.worker_compilation_cache is not None:
                _use_compilation_cache(self.worker_compilation_cache)
        if self.enable_x64:
            jax.config.update("jax_enable_x64", True)  # before any array of the model exists
        built = self.build_cells()
        cells = [built] if isinstance(built, Module) else list(built) if built is not None else []
        if not cells:
            raise ValueError(
                f"{type(self).__name__}.build_cells() returned no cells; "
                "return one jx.Cell or a non-empty iterable of cells"
            )
        self.cells = cells
        network = self.build_network(cells)
        if not isinstance(network, Module):
            raise TypeError(f"build_network() must return a Jaxley module, got {type(network).__name__}")
        self.network = network
        network.set("v", self.v_init)
        self.setup_model(network, cells)
        if any(np.isnan(np.asarray(b)[:, :3]).any() for b in network.xyzr):
            network.compute_xyz()  # only fills branches without coordinates
        geometry = self.scene_builder.build_morphology_geometry(
            network.nodes, xyzr=network.xyzr, cell_names=self.cell_names(cells)
        )
        # Jaxley's states and step function take seconds on a big cell (more with no compilation cache): show it first
        self.show_preview(self.morphology_preview(geometry, PREVIEW_STATUS))
        network.init_states(delta_t=self.dt)
        self._stepper = Stepper(network, dt=self.dt, solver=self.solver,
                                voltage_solver=self.voltage_solver, state=self.recorded_state)
        self.geometry = geometry
        self._list_variables()
        self._spikes, self._spike_cells = None, []
        threshold = self.spike_threshold()
        if threshold is not None:
            sources = self.spike_sources()
            self._spike_cells = [str(cell) for cell, _ in sources]
            self._spikes = VoltageSpikes(geometry.indices_of([e for _, e in sources]), threshold)
        return geometry

    def _module_fingerprint(self) -> tuple[int, int]:
        # Parameters live in the module's nodes (compartments) and edges (synapses).
        return tuple(  # type: ignore[return-value]
            int(pd.util.hash_pandas_object(frame, index=True).sum())
            for frame in (self.network.nodes, self.network.edges)
        )

    def initialize_state(self) -> tuple[float, np.ndarray]:
        """Channel states at their steady state for the current parameters; ``t = 0``."""
        assert self._stepper is not None
        if self._fingerprint is not None:  # a reset: channel steady state at the current parameters
            self.network.init_states(delta_t=self.dt)
        self._fingerprint = self._module_fingerprint()
        self._states, self._params = self._stepper.init()
        self._externals, self._external_inds = self._stepper.externals()
        self._params_stale = self._externals_stale = False
        self._step_index = 0
        values = self._stepper.record(self._states, self._params)
        if self._spikes is not None:
            self._spikes.restart(self._stepper.record(self._states, name="v"))
        return 0.0, values

    def frames_per_advance(self) -> int:
        """Display frames the next `advance` simulates: a power of two (1, 2, 4, 8, 16).

        The count `LiveMorphologySession.frames_per_advance` measures, rounded
        down to a power of two: the scan is compiled for its number of steps,
        so a few counts (each compiled once, on first use) serve the whole run.
        """
        frames = super().frames_per_advance()
        return 1 << (frames.bit_length() - 1)

    def step(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """``n_steps`` of Jaxley's step function (jit-compiled scan); every step's times and values."""
        assert self._stepper is not None and self._states is not None
        if self._params_stale:
            if self._module_fingerprint() != self._fingerprint:
                self.refresh_runtime_parameters()
            self._params_stale = False
        if self._externals_stale:
            self.refresh_runtime_externals()
        also = "v" if self._spikes is not None and self._stepper.state != "v" else None
        self._states, values, volts = self._stepper.run(
            self._states, self._params, self._externals, self._external_inds,
            self._step_index, n_steps, loop=self.loop_externals(), also=also,
        )
        times = (self._step_index + 1 + np.arange(n_steps)) * self.dt
        self._step_index += n_steps
        if self._spikes is not None:
            self._spikes.observe(times, values if volts is None else volts)
        return times, values

    # ---------------------------------------------------------------- runtime

    def refresh_runtime_parameters(self, *, preserve_state: bool = True) -> None:
        """Re-read the module's parameters (after ``network.set(...)``) without recompiling.

        Args:
            preserve_state: Keep the running state (default). ``False`` also
                re-reads the state from the module (voltages and channel states
                set with ``network.set``); simulated time goes on either way.
        """
        if self._stepper is None:
            return
        self._fingerprint = self._module_fingerprint()
        if preserve_state and self._states is not None:
            _, self._params = self._stepper.init(self._states)
        else:
            self._states, self._params = self._stepper.init()
        self._params_stale = False

    def refresh_runtime_externals(self) -> None:
        """Re-read the module's stimuli and clamps (after ``stimulate``/``clamp`` changed them)."""
        if self._stepper is None:
            return
        self._externals, self._external_inds = self._stepper.externals()
        self._externals_stale = False

    def handle(self, command: SessionCommand) -> None:
        """Dispatch one command; after ``SetControl``, re-read parameters and externals lazily."""
        if isinstance(command, SetControl):
            self._params_stale = self._externals_stale = True
        super().handle(command)

    def initialize(self) -> Scene:
        """Initialize the Jaxley model, sample it once, and return the first Scene."""
        return super().initialize()

    def advance(self) -> None:
        """Advance the simulation and emit incremental frontend updates (and the frame's spikes)."""
        super().advance()
        if self._spikes is not None:
            times, cells = self._spikes.take()
            if times.size:
                self.emit(spike_append(times, cells, sim_time=self.time))

    def _reset(self) -> None:
        super()._reset()
        if self._spikes is not None:
            self.emit(FieldReplace(field_id=SPIKE_FIELD_ID, values=np.empty(0),
                                   coords={"spike": np.empty(0, dtype=np.int64)}, sim_time=self.time))

    def build_scene(
        self, *, geometry: MorphologyGeometry, display_values: np.ndarray, time_value: float
    ) -> Scene:
        """Build the initial Scene from sampled values and morphology geometry (and the spike field)."""
        scene = super().build_scene(geometry=geometry, display_values=display_values, time_value=time_value)
        if self._spikes is not None:
            scene.fields[SPIKE_FIELD_ID] = spike_field(self._spike_cells, populations=self.spike_populations())
        self._add_picker(scene)
        return scene

    def _set_control(self, control_id: str, value: Any) -> None:
        if not self._pick(control_id, value):
            super()._set_control(control_id, value)


def _limit_xla_threads(threads: int) -> None:
    """Ask XLA for ``threads`` CPU threads; takes effect only before JAX's first computation."""
    flags = os.environ.get("XLA_FLAGS", "")
    if "intra_op_parallelism_threads" in flags or "xla_cpu_multi_thread_eigen" in flags:
        return  # the user chose
    extra = f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} intra_op_parallelism_threads={threads}"
    os.environ["XLA_FLAGS"] = f"{flags} {extra}".strip()
    _keep_to_cpus(threads)


def _keep_to_cpus(count: int) -> None:
    """Keep this process (its threads made from now on: XLA's) on ``count`` of its CPUs, where the OS allows.

    XLA's CPU client starts a thread pool of one thread per core whatever
    ``XLA_FLAGS`` say (JAX 0.10); on a small machine those threads then take
    the cores the window draws on. Which CPUs follows the process id, so two
    sessions at once are likely to get different ones.
    """
    if not hasattr(os, "sched_setaffinity"):
        return
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) <= count:
        return
    first = os.getpid() % len(cpus)
    os.sched_setaffinity(0, [cpus[(first + i) % len(cpus)] for i in range(count)])


def _use_compilation_cache(folder: str) -> None:
    """Keep every JAX compilation in ``folder`` (unless a cache is configured already)."""
    if jax.config.jax_compilation_cache_dir:
        return
    jax.config.update("jax_compilation_cache_dir", folder)
    # Jaxley's model building compiles many small programs: keep them all
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
