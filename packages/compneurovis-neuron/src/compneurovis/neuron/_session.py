"""`NeuronSession`: a live NEURON simulation on its morphology."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from compneurovis.core import (
    SPIKE_FIELD_ID,
    FieldReplace,
    HistoryCaptureMode,
    LiveMorphologySession,
    MorphologyGeometry,
    MorphologyViewSpec,
    Scene,
    SegmentMark,
    SessionCommand,
    spike_field,
)

from ._marks import find_marks
from ._mpi import mpi_init
from ._nan_frame import NanFrame
from ._parallel import ParallelHooks
from ._picker import VariablePicker
from ._sampler import RefSampler
from ._scene_builder import NeuronSceneBuilder
from ._spikes import SpikeHooks, SpikeSources
from ._voltage_span import VoltageSpan, structure_token, time_value


class _HocClock:
    """NEURON's ``t`` read through ``h._ref_t`` (where its address is not exported)."""

    def __init__(self, ref: Any) -> None:
        self._ref = ref

    @property
    def value(self) -> float:
        return float(self._ref[0])


def _section_list(built: Any) -> list[Any]:
    """Normalise what `build_sections` returned (a section or an iterable) to a list."""
    if hasattr(built, "nseg") and hasattr(built, "psection"):
        return [built]
    if not isinstance(built, Iterable):
        raise TypeError(f"build_sections() must return sections, got {type(built).__name__}")
    return list(built)


class NeuronSession(LiveMorphologySession, ParallelHooks, SpikeHooks, VariablePicker, ABC):
    """Base class for live NEURON-backed CompNeuroVis sessions.

    Subclass it, return the model's sections from `build_sections`, insert
    mechanisms and stimuli in `setup_model`, and hand the class to a frontend
    or a `WorkerTransport`. One entity is shown per NEURON segment, read after
    the last ``h.fadvance()`` of each display frame: voltages straight from
    NEURON 9's node storage (a numpy view of its voltage column, else one
    ``Vector.from_double``) while the model's structure is unchanged (a
    structure change is noticed through NEURON's own counter), any other
    variable through one ``h.PtrVector`` gather. History keeps every step, of
    the traced segments in ``ON_DEMAND`` mode and of every segment in ``FULL``
    mode (`history_every_step` returning ``False`` keeps one sample per
    display frame instead); while voltages are read from node storage, each
    step is one copy of the storage rows in both modes (the traced columns
    are taken from it once per `step` call). `record_many` refs are read after
    every step. A model whose display frame takes less than
    `ADVANCE_TARGET_S` (4 ms) of wall-clock time is advanced a few frames per
    `advance` call (`frames_per_advance`; never under MPI): an ``advance``
    override that does something once per frame then runs once per call, so
    time events in the model with NEURON's own events (a ``NetStim``,
    ``h.CVode().event``) or set ``ADVANCE_TARGET_S = 0``.
    The window's "Variable" choice (unless the session defines a control of
    that id) switches to any range variable of the model while it runs
    (`switch_variable`).

    Under MPI (after `compneurovis.neuron.mpi_init`, run with ``mpiexec``)
    `build_sections` returns this rank's cells only, the session steps with
    ``pc.psolve``, and rank 0 (the session a driver runs) gathers every rank's
    geometry once and every rank's values each frame, one float32 ``Gatherv``;
    the other ranks run `compneurovis.neuron.run_follower`. Entity ids and cell
    names get the cell's gid as prefix (``"<gid>/<cell>.soma[0]"``, see
    `section_gid`), and gid spike sources are gathered into one raster in gid order.

    NEURON is one global simulator per process: the session owns the sections
    it builds and deletes them on `shutdown` and before a re-`initialize`.
    Integration is fixed-step (``h.dt = dt``); `initialize` and reset call
    ``h.finitialize(v_init)``.

    Args:
        dt: Integration time step, in ms.
        v_init: Initial membrane potential, in mV.
        max_samples: Most history samples kept per traced segment.
        display_dt: Simulated time per display frame, in ms (``None``: every step).
        history_capture_mode: ``ON_DEMAND`` (history for clicked segments) or ``FULL``.
        title: Window title.
    """

    scene_builder = NeuronSceneBuilder
    ADVANCE_TARGET_S = 0.004

    def __init__(
        self,
        *,
        dt: float = 0.1,
        v_init: float = -65.0,
        max_samples: int = 1000,
        display_dt: float | None = 0.1,
        history_capture_mode: HistoryCaptureMode | str = HistoryCaptureMode.ON_DEMAND,
        title: str = "CompNeuroVis",
    ) -> None:
        super().__init__(dt=dt, v_init=v_init, max_samples=max_samples, display_dt=display_dt,
                         history_capture_mode=history_capture_mode, title=title)
        self.sections: list[Any] | None = None
        self.geometry: MorphologyGeometry | None = None
        self._display: RefSampler | None = None
        self._display_refs: list[Any] = []
        self._traced: RefSampler | None = None  # the traced segments, for history every step
        self._sampled_rows: np.ndarray | None = None
        self._sampled_columns: np.ndarray | slice = slice(None)
        self._fadvance: Any = None  # h.fadvance, once the model is built
        self._clock: Any = None  # reads NEURON's t as ``.value``, once the model is built
        self._span: VoltageSpan | None = None  # the display voltages in NEURON's storage
        self._span_token: int | None = None  # NEURON's structure count when the span was last laid out
        self._spannable = False  # whether the display variable is the node voltage
        self._record_names: list[str] = []
        self._record_refs: list[Any] = []
        self._recorder: RefSampler | None = None
        self._recorded_latest: dict[str, float] = {}
        self._spikes: SpikeSources | None = None
        self._spike_cells: list[str] = []
        self._spike_population_list: list[str] | None = None
        self._link: Any = None  # the MPI link in parallel mode (`mpi_init` ran)
        self._gathered_spikes: tuple[np.ndarray, np.ndarray] | None = None
        self._spike_rows: list[np.ndarray] = []
        self._frame: list[Any] | None = None  # the frame being filled by `_on_step` during ``pc.psolve``
        self._step_hook: Any = None
        self._step_columns: np.ndarray | None = None  # under MPI: this rank's columns traced each step
        self._nan_frame = NanFrame()  # the frame of history kept every step for the traced segments only
        self._rank_sizes: list[int] = []  # rank 0 under MPI: each rank's segment count
        self._rank_offsets: list[int] = []

    # ------------------------------------------------------------ model hooks

    @abstractmethod
    def build_sections(self) -> Any:
        """Return the NEURON sections that define the model morphology.

        Return one section or an iterable of them; their segments appear in
        that order. Keep references to whatever else you create (stimuli,
        synapses) on ``self`` in `setup_model`.
        """

    def setup_model(self, sections: list[Any]) -> None:
        """Insert mechanisms, stimuli, or recorders after sections are created.

        Args:
            sections: What `build_sections` returned, as a list.
        """

    def display_variable(self) -> str:
        """Name of the range variable shown per segment (default ``"v"``).

        Any variable with a ``seg._ref_<name>`` works, e.g. ``"cai"`` once
        calcium is inserted; override `display_unit` and the labels to match.
        """
        return "v"

    def build_scene(self, *, geometry: MorphologyGeometry, display_values: np.ndarray,
                    time_value: float) -> Scene:
        """The default Scene, plus the spike field when `spike_threshold` is set."""
        scene = super().build_scene(geometry=geometry, display_values=display_values, time_value=time_value)
        network_marks = getattr(self, "_network_marks", None)  # gathered from every rank under MPI
        marks = tuple(self.segment_marks()) if network_marks is None else network_marks
        if marks:
            for vid, view in scene.views.items():
                if isinstance(view, MorphologyViewSpec) and view.geometry_id == geometry.id:
                    scene.views[vid] = dataclasses.replace(view, marks=(*view.marks, *marks))
        if self._spikes is not None:
            scene.fields[SPIKE_FIELD_ID] = spike_field(self._spike_cells, populations=self._spike_population_list)
        self._add_picker(scene)
        return scene

    def _set_control(self, control_id: str, value: Any) -> None:
        if not self._pick(control_id, value):
            super()._set_control(control_id, value)

    def segment_marks(self) -> Sequence[SegmentMark]:
        """Marks drawn on the morphology: by default every stimulus, synapse and point process (`find_marks`).

        Override to add your own (``[*super().segment_marks(), *segment_marks([(soma(0.5), "electrode")])]``)
        or return ``()`` for none.
        """
        return find_marks(self.sections)

    # -------------------------------------------------------------- recording

    def record(self, name: str, ref: Any) -> None:
        """Register one NEURON variable ref for batched PtrVector sampling.

        Args:
            name: Name the samples are delivered under.
            ref: A NEURON pointer, e.g. ``stim._ref_i`` or ``seg._ref_ina``.

        Raises:
            ValueError: If ``name`` is already recorded.
            TypeError: If ``ref`` is not a NEURON variable ref.
        """
        self.record_many([name], [ref])

    def record_many(self, names: Sequence[str], refs: Sequence[Any]) -> None:
        """Register NEURON variable refs for sampling once per fadvance step.

        All refs are read together through one ``h.PtrVector`` after every
        step; `on_recorded_samples` receives them once per display frame (and
        once with the initial sample after each (re)initialisation).

        Args:
            names: One unique name per ref.
            refs: NEURON pointers, e.g. ``[seg._ref_v for seg in sec]``.

        Raises:
            ValueError: If the lengths differ or a name repeats (within
                ``names`` or with an earlier registration).
            TypeError: If an item of ``refs`` is not a NEURON variable ref.
        """
        names, refs = [str(n) for n in names], list(refs)
        if len(names) != len(refs):
            raise ValueError(f"record_many: {len(names)} names but {len(refs)} refs; give one name per ref")
        seen = set(self._record_names)
        for name in names:
            if name in seen:
                raise ValueError(f"record_many: name {name!r} is recorded more than once")
            seen.add(name)
        recorder = RefSampler(self._record_refs + refs)  # validates the refs before anything changes
        self._record_names += names
        self._record_refs += refs
        self._recorder = recorder

    def on_recorded_samples(self, times: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Handle one batched set of values registered with record()/record_many().

        Args:
            times: ``(k,)`` simulation times, in ms.
            values: ``{name: (k,) array}``, one sample per time.
        """

    def recorded_values(self) -> dict[str, float]:
        """Return the latest sampled value of every recorded name."""
        return dict(self._recorded_latest)

    def _deliver_recorded(self, times: np.ndarray, block: np.ndarray) -> None:
        columns = np.ascontiguousarray(block.T)
        self._recorded_latest = {name: float(columns[j, -1]) for j, name in enumerate(self._record_names)}
        self.on_recorded_samples(times, {name: columns[j] for j, name in enumerate(self._record_names)})

    # ------------------------------------------------------------ simulation

    def initialize(self) -> Scene:
        """Initialize the NEURON model, sample it once, and return the first Scene."""
        return super().initialize()

    def advance(self) -> None:
        """Advance the simulation and emit incremental frontend updates.

        Runs `steps_per_update` ``h.fadvance()`` steps per display frame, for
        `frames_per_advance` frames, then emits one ``DisplayFrame`` (display)
        and one ``FieldAppend`` (history), and a ``FieldAppend`` of the
        spikes when there are any.
        """
        super().advance()
        self._emit_spikes()

    def frames_per_advance(self) -> int:
        """Display frames the next `advance` simulates (see `LiveMorphologySession`); always 1 under MPI."""
        return 1 if self._link is not None else super().frames_per_advance()

    def handle(self, command: SessionCommand) -> None:
        """Dispatch one command (under MPI rank 0 first broadcasts those that change the model)."""
        self._announced_handle(command, super().handle)

    def shutdown(self) -> None:
        """Stop the session and delete the sections it built (under MPI rank 0 also stops the followers)."""
        if self._link is not None and self._link.is_root:
            self._link.stop()
        super().shutdown()
        self._release_model()

    def build_model(self) -> MorphologyGeometry:
        """Build the sections (`build_sections`, `setup_model`) and their geometry, one entity per segment."""
        link = self._parallel_link()
        if link is None:
            return self._build_local()
        return self._gather_geometry(link, self._build_local)

    def _build_local(self) -> MorphologyGeometry:
        from neuron import h

        self._release_model()
        h.load_file("stdrun.hoc")
        sections = _section_list(self.build_sections())
        if not sections:
            raise ValueError(f"{type(self).__name__}.build_sections() returned no sections")
        self.sections = sections
        self.setup_model(sections)
        geometry = self.scene_builder.build_morphology_geometry(sections)
        var = self.display_variable()
        try:
            refs = [getattr(seg, f"_ref_{var}") for sec in sections for seg in sec]
        except (AttributeError, NameError) as exc:
            raise ValueError(f"display variable {var!r} is not available in every segment: {exc}") from exc
        # h.t rides along as the last element: one gather per step reads values and time
        self._display = RefSampler([*refs, h._ref_t])
        self._display_refs = refs
        self._fadvance = h.fadvance  # the hot loop skips the hoc lookup
        clock = time_value()  # a c_double of 0.0 is falsy: test for None
        self._clock = clock if clock is not None else _HocClock(h._ref_t)  # t without the hoc name lookup of ``h.t``
        self._span, self._span_token, self._spannable = None, None, var == "v"
        self._absent = None
        self._list_variables()
        self._start_spikes()
        self._spike_population_list = None if self._spikes is None else self.spike_populations()
        if self._link is not None:
            self._step_hook = self._on_step
            h.cvode.extra_scatter_gather(0, self._step_hook)
        return geometry

    def initialize_state(self) -> tuple[float, np.ndarray]:
        """``h.finitialize(v_init)`` at fixed step ``dt``; the time and every segment's display value."""
        link = self._link
        if link is None:
            return self._initialize_local()
        with link.announce("init"):
            out = link.collect(lambda: self._initialize_local()[::-1], prechecked=True)
        if out is None:
            return self.time, np.empty(0)
        objects, parts = out
        return float(objects[0]), np.concatenate(parts)

    def _initialize_local(self) -> tuple[float, np.ndarray]:
        from neuron import h

        assert self._display is not None
        if h.cvode.active():
            h.cvode.active(0)
        h.dt = self.dt
        if self._link is not None:
            self._link.precheck()  # set_maxstep is collective: no rank enters it after another failed
            mpi_init()[1].set_maxstep(10)
        h.finitialize(self.v_init)  # empties the spike vectors too
        if self._spikes is not None:
            self._spikes.restart()
        sample = self._display.read()
        t0 = float(sample[-1])
        if self._recorder is not None:
            self._deliver_recorded(np.array([t0]), self._recorder.read()[None, :])
        return t0, sample[:-1]

    def step(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """``n_steps`` ``h.fadvance()`` calls; the sampled times and display values (see `history_every_step`).

        Under MPI one ``pc.psolve`` over ``n_steps`` steps on every rank, the
        values of all ranks gathered on rank 0.
        """
        if self._link is not None:
            return self._step_parallel(n_steps)
        assert self._display is not None
        fadvance = self._fadvance
        recorder = self._recorder
        each_step = self._history_each_step
        if recorder is None and not each_step:
            for _ in range(n_steps):
                fadvance()
            return self._sample_display()
        if each_step:
            span = self._voltage_span()
            if span is not None:  # read from NEURON's storage: no sampler of refs to build or gather
                return self._step_span(n_steps, span)
            rows = self._traced_columns()
            traced = self._traced_sampler()
        from neuron import h

        # history every step: the traced segments each step (NaN elsewhere), every segment after the last
        times = np.empty(n_steps)
        if each_step:
            values = self._nan_frame.take(n_steps, self._display.size - 1, rows)
            gather, out, view = traced.ptr_gather, traced.out, traced.view[:-1]
            t_view = traced.view[-1:]  # h.t rides along as the last gathered element
        if recorder is not None:
            rec_gather, rec_out, rec_view = recorder.ptr_gather, recorder.out, recorder.view
            recorded = np.empty((n_steps, recorder.size))
        for k in range(n_steps - 1):
            fadvance()
            if each_step:
                gather(out)
                values[k, rows] = view
                times[k:k + 1] = t_view
            if recorder is not None:
                rec_gather(rec_out)
                recorded[k] = rec_view
                if not each_step:
                    times[k] = h.t
        fadvance()
        last_time, last_values = self._sample_display()
        times[-1:] = last_time
        if recorder is not None:
            rec_gather(rec_out)
            recorded[-1] = rec_view
            self._deliver_recorded(times.copy(), recorded)
        if not each_step:
            return last_time, last_values
        values[-1:] = last_values
        return times, values

    def _step_span(self, n_steps: int, span: VoltageSpan) -> tuple[np.ndarray, np.ndarray]:
        """``n_steps`` steps reading every segment from NEURON's storage after each one.

        Each step copies the span's rows (storage order) into one preallocated
        block, a single contiguous copy when the span is NEURON's storage
        itself; `VoltageSpan.order` puts the whole block into segment order
        once per call (``ON_DEMAND``: only the traced segments' columns and the
        last row, as the other paths of `step` return them). The span is
        current when the call starts, and nothing can move its rows before it
        ends: NEURON freezes its storage during ``fadvance`` (a section created
        from an event is refused), and only ``fadvance`` runs between the reads.
        """
        fadvance, window, fill, clock = self._fadvance, span.window, span.fill, self._clock
        recorder = self._recorder
        if recorder is not None:
            rec_gather, rec_out, rec_view = recorder.ptr_gather, recorder.out, recorder.view
            recorded = np.empty((n_steps, recorder.size))
        times = np.empty(n_steps)
        block = span.block(n_steps)  # float32: the copy casts, and what leaves the session is float32
        if fill is None and recorder is None:  # the common case: one copy from NEURON's storage per step
            for k in range(n_steps):
                fadvance()
                block[k] = window
                times[k] = clock.value
        else:
            for k in range(n_steps):
                fadvance()
                if fill is not None:
                    fill()
                block[k] = window
                times[k] = clock.value
                if recorder is not None:
                    rec_gather(rec_out)
                    recorded[k] = rec_view
        if not span.is_current():  # cannot happen while NEURON freezes its storage in fadvance
            raise RuntimeError("NEURON's node storage changed during a display frame; reset to continue")
        if recorder is not None:
            self._deliver_recorded(times.copy(), recorded)
        columns = self._traced_columns()
        if isinstance(columns, slice):  # every segment traced (FULL): the whole block in segment order
            return times, span.order(block)
        # ON_DEMAND: as `step` says, the traced segments at every step and every segment at the last (NaN
        # elsewhere); ordering only those is most of what a frame costs beyond NEURON's own steps
        values = self._nan_frame.take(n_steps, len(span.offsets), columns)
        values[:, columns] = span.order(block, columns)
        values[-1] = span.order(block[-1:])[0]
        return times, values

    def _reset(self) -> None:
        if self._link is not None and not self._link.is_root:
            self.initialize_state()  # a follower keeps no history: rank 0 does
            return
        super()._reset()
        if self._spikes is not None:
            self.emit(FieldReplace(field_id=SPIKE_FIELD_ID, values=np.empty(0),
                                   coords={"spike": np.empty(0, dtype=np.int64)}, sim_time=self.time))

    def _sample_display(self) -> tuple[np.ndarray, np.ndarray]:
        """Read every segment (and ``t``) once: ``((1,) times, (1, n_segments) float32 values)``."""
        span = self._voltage_span()
        if span is not None:
            return np.array([self._clock.value]), span.read()[None, :].astype(np.float32)
        display = self._display
        assert display is not None
        display.ptr_gather(display.out)
        view = display.view
        return view[-1:].copy(), view[None, :-1].astype(np.float32)

    def _voltage_span(self) -> VoltageSpan | None:
        """The display voltages' storage span while it is valid; laid out again after a structure change.

        ``None`` (read through the PtrVector instead) while a structure change
        is pending, when the display variable is not ``v``, or when the span
        could not be laid out at NEURON's current structure count.
        """
        span = self._span
        if span is not None and span.is_current():
            return span
        token = structure_token()
        if not self._spannable or token is None or token == self._span_token:
            return None
        self._span_token = token
        self._span = span = VoltageSpan.build(self._display_refs)
        return span

    def _traced_columns(self) -> np.ndarray | slice:
        """The display columns of the traced segments: ``slice(None)`` when every segment is traced."""
        assert self._traces is not None
        rows = self._traces.rows
        if self._sampled_rows is not rows:
            self._traced, self._sampled_rows = None, rows
            every = np.array_equal(rows, np.arange(len(self._display_refs)))
            self._sampled_columns = slice(None) if every else rows  # a slice is a plain copy
        return self._sampled_columns

    def _traced_sampler(self) -> RefSampler:
        """A sampler of the traced segments' refs (and ``t``), rebuilt when the traced set changes."""
        self._traced_columns()
        if self._traced is None:
            from neuron import h

            rows = self._sampled_rows
            assert rows is not None
            self._traced = RefSampler([*(self._display_refs[r] for r in rows), h._ref_t])
        return self._traced

    def _release_model(self) -> None:
        from neuron import h

        self._display = self._traced = self._sampled_rows = self._span = None
        self._span_token = None
        self._display_refs = []
        self._recorder = None
        self._record_names, self._record_refs = [], []
        self._recorded_latest = {}
        self._spikes, self._spike_cells, self._spike_population_list = None, [], None
        self._gathered_spikes, self._frame = None, None
        if self._step_hook is not None:
            h.cvode.extra_scatter_gather_remove(self._step_hook)
            self._step_hook = None
        for sec in self.sections or ():
            try:
                h.delete_section(sec=sec)
            except (ReferenceError, RuntimeError, TypeError, ValueError):
                pass  # already deleted
        self.sections = None
