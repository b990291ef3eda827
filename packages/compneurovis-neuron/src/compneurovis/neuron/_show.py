"""`show()`: a live window on the model already built in this process's ``h``."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from compneurovis.core import SceneError, SceneReady, SetControl, Viewer, open_viewer_link

from ._show_session import VARIABLE_CONTROL_ID, ShowSession

#: Simulated ms between two display steps unless ``show(display_dt=...)`` says otherwise.
DEFAULT_DISPLAY_DT = 0.5
#: Most batches of updates sent to the window per wall-clock second.
SEND_RATE = 30.0
#: Display steps queued in NEURON at a time (posting one by one costs the run more).
POSTED_AHEAD = 64
#: Seconds without a display step after which the samples kept are sent anyway (the run ended or paused).
QUIET_S = 0.005


class _Driver:
    """Samples the model from inside NEURON's integration and talks to the window.

    A ``FInitializeHandler`` (re)starts a chain of ``cvode.event`` calls, one every
    ``display_dt``: the display steps, posted `POSTED_AHEAD` at a time. Each keeps one sample
    (`ShowSession.sample`) and applies what the window sent; the updates are built and sent at most `SEND_RATE`
    times a wall-clock second, since a window draws no more often. Samples
    left when the run ends or pauses are sent by a helper thread within
    `QUIET_S` of the last display step; it reads only the kept samples, never
    NEURON, and sleeps without the GIL while none are kept.
    A paused window holds the run at its display step.
    """

    def __init__(self, session: ShowSession, link: Any, display_dt: float) -> None:
        from neuron import h

        self.session = session
        self.link = link
        self.display_dt = display_dt
        self.attached = True
        self._generation = 0
        self._h = h
        self._lock = threading.RLock()  # the display steps and the helper thread share the session
        self._interval = 1.0 / SEND_RATE
        self._due = 0.0  # monotonic time of the next send
        self._samples = 0  # display steps taken: the helper thread sees the run go on
        self._wake = threading.Event()
        self._helper = threading.Thread(target=self._send_leftovers, name="cnv-show-leftovers", daemon=True)
        self._helper.start()
        self._event = h.cvode.event  # looked up once
        self._tick, self._tick_generation = None, None
        self._t0, self._next_index, self._left = h.t, 1, 0  # display step i comes at t0 + i * display_dt
        self._init_handler = h.FInitializeHandler(1, self._on_initialize)
        self._post(self._generation)

    def _post(self, generation: int) -> None:
        """Queue the next `POSTED_AHEAD` display steps (one call each, in one tight loop)."""
        if generation != self._tick_generation:  # one callback per generation, made once
            self._tick, self._tick_generation = functools.partial(self._on_event, generation), generation
        event, tick, t0, step, first = self._event, self._tick, self._t0, self.display_dt, self._next_index
        for i in range(first, first + POSTED_AHEAD):
            event(t0 + i * step, tick)  # multiples of display_dt from the start: no drift over a long run
        self._next_index, self._left = first + POSTED_AHEAD, POSTED_AHEAD

    def _on_initialize(self) -> None:
        if not self.attached:
            return
        self._generation += 1  # events posted before finitialize are gone; a stale one is ignored anyway
        self._t0, self._next_index = self._h.t, 1
        with self._lock:
            self.session._reset()  # the samples of the run before are queued first
        self._flush()
        self._post(self._generation)

    def _on_event(self, generation: int) -> None:
        if not self.attached or generation != self._generation:
            return
        session, link = self.session, self.link
        with self._lock:
            session.sample()
            self._samples += 1
            commands = link.commands()
            if commands or time.monotonic() >= self._due:
                self._send(commands)
            elif not self._wake.is_set():
                self._wake.set()  # the helper sends these samples if no display step does in time
        while self.attached and not session.is_live():  # paused from the window: hold the run here
            for command in self.link.wait_command(0.1):
                with self._lock:
                    session.handle(command)
            self._flush()
        self._left -= 1
        if self._left == 0 and self.attached:
            self._post(generation)

    def _send(self, commands: list[Any]) -> None:
        """Queue the kept samples, apply ``commands``, and hand the updates to the window (lock held)."""
        self.session.emit_pending()  # the samples before the commands, which may restart the history
        for command in commands:
            self.session.handle(command)
        self._hand_over()
        if not self.link.alive:
            self.detach()

    def _hand_over(self) -> None:
        """Queue the kept samples and give the window every update made (lock held)."""
        self.session.emit_pending()
        self.link.emit(self.session.read_updates())
        self._due = time.monotonic() + self._interval

    def _flush(self) -> None:
        """Apply the window's commands and send everything now; detach once the window is gone."""
        with self._lock:
            self._send(self.link.commands())

    def flush(self) -> None:
        """Hand the window every sample taken so far (before a screenshot, say)."""
        if self.attached:
            with self._lock:
                self._send([])

    def _send_leftovers(self) -> None:
        """Helper thread: send the kept samples once no display step came for `QUIET_S` (the run ended or paused)."""
        while self.attached:
            self._wake.wait()  # no GIL held while nothing is left over
            while self.attached:
                seen = self._samples
                time.sleep(QUIET_S)
                with self._lock:
                    if self.attached and self.session.has_pending and self._samples == seen:
                        self._hand_over()  # not `_send`: this thread never detaches (that touches NEURON)
                    if not self.session.has_pending:  # sent now, or by a display step meanwhile
                        self._wake.clear()
                        break

    # ---------------------------------------------------------- ViewerDriver

    def variable_name(self) -> str:
        """The variable shown now."""
        return self.session.variable

    def set_variable(self, name: str) -> None:
        """Show ``name`` (raises ``ValueError`` listing the available ones)."""
        with self._lock:
            self.session.switch_variable(name)
            self._flush()

    def set_control(self, control_id: str, value: Any) -> None:
        """Apply a control value now, as the window would."""
        if control_id == VARIABLE_CONTROL_ID and value not in self.session.variables:
            raise ValueError(f"unknown variable {value!r}; available: {', '.join(self.session.variables)}")
        specs = self.session.control_specs()
        if control_id not in specs:
            raise ValueError(f"unknown control {control_id!r}; this viewer has {sorted(specs)}")
        try:
            specs[control_id].validate(value)
        except SceneError as exc:
            raise ValueError(str(exc)) from None
        with self._lock:
            self.session.handle(SetControl(control_id=control_id, value=value))
            self._flush()

    def detach(self) -> None:
        """Stop sampling: later display events return at once, and no new one is posted."""
        if self.attached:
            with self._lock:
                if self.link.alive:  # the last samples still reach an open window
                    self._hand_over()
                self.attached = False
                self._init_handler = None
                self.session.shutdown()
            self._wake.set()  # the helper thread ends


def _check_marks(marks: Iterable[Any]) -> list[tuple[Any, str]]:
    """Each entry must be ``(segment, label)``; raise naming the first that is not."""
    out = []
    for i, entry in enumerate(marks):
        if not (isinstance(entry, tuple | list) and len(entry) == 2):
            raise TypeError(f"marks[{i}] = {entry!r}: expected a (segment, label) pair, e.g. (soma(0.5), 'stim')")
        seg, label = entry
        if not (hasattr(seg, "sec") and hasattr(seg, "x") and hasattr(seg, "node_index")):
            raise TypeError(f"marks[{i}]: {seg!r} is not a NEURON segment (use sec(x), e.g. soma(0.5))")
        if not isinstance(label, str):
            raise TypeError(f"marks[{i}]: label {label!r} is not a str")
        out.append((seg, label))
    return out


def show(
    sections: Sequence[Any] | Any | None = None,
    variable: str = "v",
    display_dt: float = DEFAULT_DISPLAY_DT,
    color_limits: tuple[float, float] | None = None,
    color_map: str = "scalar",
    marks: Iterable[tuple[Any, str]] = (),
    screenshot: str | os.PathLike[str] | None = None,
    *,
    size: tuple[int, int] = (1200, 800),
) -> Viewer:
    """Open a live window on the model already built in this process's ``h``.

    Add one line to a script in NEURON's idiom; the script keeps driving the
    run (``h.finitialize(-65)``, then ``h.continuerun(100)`` or ``h.run()``) and
    the window follows it. Values are read every ``display_dt`` ms from inside
    NEURON's integration (a ``cvode.event`` chain restarted by a
    ``FInitializeHandler`` at each ``finitialize``); the window draws in its
    own process, so drawing never slows the run. A choice made in the window
    (the variable picker, pause) applies at the next display step.

    In a Jupyter notebook with ``compneurovis-jupyter`` installed, the view is
    a widget in the cell's output instead. The run draws it from inside, up to
    ten times a second and in at most a fifth of the run's time. It has no
    pause, and its choices apply at the next display step of a run.

    Args:
        sections: The sections to show (one, or several); ``None``: all of ``h.allsec()``.
        variable: The range variable to colour by, e.g. ``"v"``, ``"cai"``, ``"m_hh"``.
        display_dt: Simulated ms between display steps.
        color_limits: ``(low, high)`` of the colour scale; ``None``: ``(-80, 40)`` for
            ``v``, automatic otherwise.
        color_map: Colour map name (``"scalar"`` is the default map).
        marks: ``(segment, label)`` pairs to point out on the morphology, drawn with
            the stimuli, synapses and point processes found automatically.
        screenshot: Draw offscreen and write a PNG here when the viewer closes
            (``Viewer.close()`` or the end of the script).
        size: Window size in pixels.

    Returns:
        The `Viewer`: ``screenshot()``, ``set_control()``, ``variable``, ``camera``, ``close()``, ``wait()``.

    Raises:
        ValueError: If ``h`` has no sections, or the model has no such variable
            (the message lists those it has), or ``display_dt`` is not positive.
        TypeError: If a ``marks`` entry is not a (segment, label) pair.
    """
    from neuron import h

    h.load_file("stdrun.hoc")
    if not display_dt > 0:
        raise ValueError(f"display_dt must be > 0 ms, got {display_dt!r}")
    if sections is None:
        chosen = list(h.allsec())
    elif hasattr(sections, "nseg") and hasattr(sections, "psection"):
        chosen = [sections]
    else:
        chosen = list(sections)
    if not chosen:
        raise ValueError("show(): there are no sections in NEURON's h; build the model (h.Section(...)) first")
    checked_marks = _check_marks(marks)
    session = ShowSession(chosen, variable=variable, display_dt=display_dt, color_limits=color_limits,
                          color_map=color_map)
    session.marks = checked_marks
    link = open_viewer_link(offscreen=screenshot is not None, size=size)
    session.pausable = getattr(link, "can_hold_run", True)  # a notebook cannot resume a run its cell holds
    scene = session.initialize()
    link.emit([SceneReady(scene=scene), *session.read_updates()])
    return Viewer(link, _Driver(session, link, display_dt), screenshot=screenshot)
