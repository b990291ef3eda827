"""LiveMorphologySession behaviour, driven through the FitzHugh-Nagumo example backend."""

import dataclasses
import time

import numpy as np
import pytest
from cnv_core_sessions import Batched

from compneurovis.core import (
    DisplayFrame,
    EntityClicked,
    Error,
    FieldAppend,
    HistoryCaptureMode,
    InvokeAction,
    KeyPressed,
    LiveMorphologySession,
    MorphologyStyle,
    Reset,
    SetControl,
    StatePatch,
)
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable


def _run(session, frames):
    scene = session.initialize()
    for _ in range(frames):
        session.advance()
        scene.apply_all(session.read_updates())
    return scene


def _reference(frames, steps_per_frame, stimulus=0.0):
    """The same model integrated by hand: the values the session must show."""
    ref = FitzHughNagumoCable()
    ref.initialize()
    ref.stimulus = stimulus
    times, values = ref.step(frames * steps_per_frame)
    return times, values


class PerFrame(FitzHughNagumoCable):
    """The documented opt-out: one history sample per display frame."""

    def history_every_step(self):
        return False


@pytest.mark.parametrize("cls", [FitzHughNagumoCable, PerFrame])
def test_display_and_full_history_equal_the_solver(cls):
    session = cls(history_capture_mode="full", max_samples=10_000)
    scene = session.initialize()
    session.handle(SetControl(control_id="stimulus", value=0.8))
    for _ in range(6):
        session.advance()
        scene.apply_all(session.read_updates())
    steps = session.steps_per_update()
    assert steps > 1
    times, values = _reference(6, steps, stimulus=0.8)
    # FULL keeps every step unless the session opts out (one sample per display frame)
    stride = steps if cls is PerFrame else 1
    times, values = times[stride - 1::stride], values[stride - 1::stride]
    history = scene.fields["segment_history"]
    assert history.shape == (1 + len(times), session.geometry.n_entities)
    np.testing.assert_allclose(history.coords["time"][1:], times)
    np.testing.assert_allclose(history.values[1:], values.astype(np.float32), rtol=1e-6)
    np.testing.assert_array_equal(scene.fields["segment_display"].values, values[-1].astype(np.float32))


def test_full_history_is_kept_by_its_consumers_not_a_second_time_in_the_session():
    session = FitzHughNagumoCable(history_capture_mode="full", max_samples=10_000)
    scene = _run(session, 30)
    steps = session.steps_per_update()
    assert scene.fields["segment_history"].shape[0] == 1 + 30 * steps  # the window holds every step
    assert len(session._traces) == steps  # the session: the newest frame only, not 10,000 samples
    on_demand = FitzHughNagumoCable(max_samples=10_000)
    _run(on_demand, 30)
    assert len(on_demand._traces) == 1 + 30 * steps  # clicking a segment later shows its past: kept here


def test_on_demand_traces_first_entity_then_clicked_ones():
    session = FitzHughNagumoCable(max_samples=50)
    scene = _run(session, 3)
    ids = session.geometry.entity_ids
    assert list(scene.fields["segment_history"].coords["segment"]) == [ids[0]]
    session.handle(EntityClicked(entity_id=ids[7]))
    scene.apply_all(session.read_updates())
    for _ in range(20):
        session.advance()
        scene.apply_all(session.read_updates())
    history = scene.fields["segment_history"]
    assert list(history.coords["segment"]) == [ids[0], ids[7]]
    assert history.shape[0] == 50  # bounded by max_samples
    assert np.isfinite(history.values[-10:, 1]).all()


def test_click_capture_can_be_refused():
    class NoCapture(FitzHughNagumoCable):
        def should_capture_trace_on_click(self, entity_id, context):
            return False

    session = NoCapture()
    scene = _run(session, 1)
    session.handle(EntityClicked(entity_id=session.geometry.entity_ids[3]))
    scene.apply_all(session.read_updates())
    assert scene.fields["segment_history"].shape[1] == 1


def test_rolling_window_bounds_history():
    class Windowed(FitzHughNagumoCable):
        def trace_view_updates(self):
            return {"rolling_window": 1.0}

    session = Windowed(dt=0.05)
    scene = _run(session, 10)
    assert scene.views["trace"].rolling_window == 1.0
    assert scene.fields["segment_history"].shape[0] == session.history_length() == 21


def test_reset_restarts_from_initial_state_with_fresh_history():
    session = FitzHughNagumoCable()
    scene = _run(session, 5)
    session.handle(KeyPressed(key="Space"))
    scene.apply_all(session.read_updates())
    assert scene.fields["segment_history"].shape[0] == 1
    np.testing.assert_allclose(scene.fields["segment_display"].values, session.v_init)
    for _ in range(5):
        session.advance()
        scene.apply_all(session.read_updates())
    _, values = _reference(5, session.steps_per_update())
    np.testing.assert_array_equal(scene.fields["segment_display"].values, values[-1].astype(np.float32))
    session.handle(Reset())
    assert session.time == 0.0


def test_bad_commands_become_errors_and_session_keeps_running():
    session = FitzHughNagumoCable()
    _run(session, 1)
    for command, message in [
        (SetControl(control_id="nope", value=1), "unknown control 'nope'"),
        (SetControl(control_id="stimulus", value=99.0), "outside"),
        (InvokeAction(action_id="nope"), "unknown action 'nope'"),
        (EntityClicked(entity_id="ghost"), "no entity 'ghost'"),
    ]:
        session.handle(command)
        errors = [u for u in session.read_updates() if isinstance(u, Error)]
        assert len(errors) == 1 and message in errors[0].message
    assert session.is_live()
    session.advance()
    assert any(isinstance(u, DisplayFrame) for u in session.read_updates())


def test_controls_and_actions_reach_the_model():
    session = FitzHughNagumoCable()
    _run(session, 1)
    session.handle(SetControl(control_id="stimulus", value=0.5))
    assert session.stimulus == 0.5
    assert StatePatch(values={"stimulus": 0.5}) in session.read_updates()
    session.handle(KeyPressed(key="K"))
    assert session._kick > 0
    session.handle(InvokeAction(action_id="pause"))
    assert not session.is_live()


def test_nan_state_is_reported_and_pauses():
    class Unstable(FitzHughNagumoCable):
        coupling = 1e6  # explicit Euler blows up

    session = Unstable()
    session.initialize()
    for _ in range(10_000):  # the state is checked at least every FINITE_CHECK_INTERVAL of wall-clock time
        if not session.is_live():
            break
        session.advance()
    errors = [u for u in session.read_updates() if isinstance(u, Error)]
    assert errors and "NaN" in errors[0].message and not session.is_live()


class BreaksAtFrame(FitzHughNagumoCable):
    """Finite for `good` frames, then NaN in the last entity (a model that breaks mid-run)."""

    good = 3

    def step(self, n_steps):
        times, values = super().step(n_steps)
        self.good -= 1
        if self.good < 0:
            values[:, -1] = np.nan
        return times, values


def test_the_finite_check_runs_at_most_every_interval_and_after_every_command(monkeypatch):
    monkeypatch.setattr(BreaksAtFrame, "FINITE_CHECK_INTERVAL", 3600.0)  # only the first frame is due
    session = BreaksAtFrame()
    session.initialize()
    for _ in range(6):
        session.advance()
    frames = [u for u in session.read_updates() if isinstance(u, DisplayFrame)]
    assert np.isnan(frames[-1].values[-1]), "the NaN frames are sent as they are"
    assert session.is_live(), "no check was due after the first frame"
    session.handle(SetControl(control_id="stimulus", value=0.1))  # any command makes the next frame due
    session.advance()
    (error,) = [u for u in session.read_updates() if isinstance(u, Error)]
    assert not session.is_live()
    assert f"by t = {session.time:.3f} ms" in error.message and session.geometry.entity_ids[-1] in error.message


def test_with_no_interval_every_frame_is_checked(monkeypatch):
    monkeypatch.setattr(BreaksAtFrame, "FINITE_CHECK_INTERVAL", 0.0)
    session = BreaksAtFrame()
    session.initialize()
    for _ in range(BreaksAtFrame.good + 1):
        session.advance()
    assert not session.is_live(), "paused at the first frame that is not finite"


def test_history_mode_accepts_strings():
    assert FitzHughNagumoCable(history_capture_mode="full").history_capture_mode is HistoryCaptureMode.FULL
    with pytest.raises(ValueError, match="'sometimes' is not a valid HistoryCaptureMode"):
        FitzHughNagumoCable(history_capture_mode="sometimes")


def test_history_append_carries_per_step_samples():
    session = FitzHughNagumoCable(display_dt=0.2, dt=0.05)
    session.initialize()
    session.advance()
    (append,) = [u for u in session.read_updates() if isinstance(u, FieldAppend)]
    assert append.values.shape == (4, 1) and append.coord_values.shape == (4,)  # time-major


def _batched_run(session, frames):
    """Advance until ``frames`` display frames are simulated; the Scene and the frames each call asked for."""
    scene = session.initialize()
    session.handle(SetControl(control_id="stimulus", value=0.8))
    scene.apply_all(session.read_updates())
    asked, displays = [], []
    while session.time < frames * session.display_dt - session.dt / 2:
        asked.append(session.frames_per_advance())
        session.advance()
        updates = session.read_updates()
        displays += [u for u in updates if isinstance(u, DisplayFrame)]
        scene.apply_all(updates)
    return scene, asked, displays


def test_code_that_calls_advance_itself_gets_one_frame_per_call():
    session = Batched(history_capture_mode="full", max_samples=10_000)
    _, asked, _ = _batched_run(session, 12)
    assert asked == [1] * 12
    assert session.step_sizes == [session.steps_per_update()] * 12


def test_a_transport_lets_fast_frames_advance_together_and_history_keeps_every_step():
    session = Batched(history_capture_mode="full", max_samples=10_000)
    session.initialize()
    session.allow_batched_advance()
    steps = session.steps_per_update()
    scene, asked, displays = _batched_run(session, 60)
    # the first call after a command measures; the next ones batch up to the cap
    assert asked[0] == 1 and max(asked) == Batched.MAX_FRAMES_PER_ADVANCE
    assert session.step_sizes[-len(asked):] == [steps * n for n in asked]
    assert len(displays) == len(asked) < 60 <= sum(asked)
    times, values = _reference(sum(asked), steps, stimulus=0.8)
    history = scene.fields["segment_history"]
    np.testing.assert_allclose(history.coords["time"][1:], times)  # every step, none twice, none lost
    np.testing.assert_allclose(history.values[1:], values.astype(np.float32), rtol=1e-6)
    for frame in displays:  # each call shows its last frame
        k = round(frame.sim_time / session.dt) - 1
        np.testing.assert_allclose(frame.values, values[k].astype(np.float32), rtol=1e-6)
        assert k % steps == steps - 1


def test_batches_stay_within_the_byte_cap_and_restart_at_one_frame_after_a_command():
    session = Batched(history_capture_mode="full", max_samples=10_000)
    session.initialize()
    frame_bytes = 4 * session.steps_per_update() * session.geometry.n_entities
    session.MAX_ADVANCE_BYTES = 3 * frame_bytes + 1
    session.allow_batched_advance()
    for _ in range(4):
        session.advance()
    assert session.frames_per_advance() == 3
    session.handle(SetControl(control_id="stimulus", value=0.5))
    assert session.frames_per_advance() == 1  # the command's effect shows in the very next frame


class SlowBatched(Batched):
    """Each frame takes longer than the advance target: batching would only make the display lag."""

    ADVANCE_TARGET_S = 0.001

    def step(self, n_steps):
        time.sleep(0.002 * n_steps / self.steps_per_update())
        return super().step(n_steps)


class PerFrameBatched(Batched):
    def history_every_step(self):
        return False


@pytest.mark.parametrize("cls", [SlowBatched, PerFrameBatched])
def test_slow_frames_and_one_sample_per_frame_keep_one_frame_per_call(cls):
    session = cls(history_capture_mode="full", max_samples=10_000)
    session.initialize()
    session.allow_batched_advance()
    _, asked, _ = _batched_run(session, 8)
    assert asked == [1] * 8


def test_a_backend_must_write_the_three_hooks():
    class Incomplete(LiveMorphologySession):
        def build_model(self):
            raise AssertionError("never built")

    with pytest.raises(TypeError, match=r"initialize_state.*step|step.*initialize_state"):
        Incomplete()
    assert LiveMorphologySession.__abstractmethods__ == {"build_model", "initialize_state", "step"}


def test_the_style_labels_the_scene_and_each_method_can_still_override_it():
    scene = FitzHughNagumoCable().initialize()
    morphology, trace = scene.views["morphology"], scene.views["trace"]
    assert scene.fields["segment_display"].unit == "a.u." == scene.fields["segment_history"].unit
    assert morphology.color_limits == (-2.2, 2.2) and morphology.color_map == "scalar"
    assert (trace.title, trace.y_label, trace.y_unit) == ("FitzHugh-Nagumo v", "v", "a.u.")

    class Restyled(FitzHughNagumoCable):
        style = dataclasses.replace(FitzHughNagumoCable.style, history_field_id="v_history",
                                    color_limits=None, trace_y_unit="mV")

        def trace_title(self):  # a method overrides its style entry, as before the style existed
            return "overridden"

    scene = Restyled().initialize()
    assert "v_history" in scene.fields and scene.views["morphology"].color_limits is None
    assert (scene.views["trace"].title, scene.views["trace"].y_unit) == ("overridden", "mV")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Restyled.style.trace_title = "x"  # type: ignore[misc]
    defaults = MorphologyStyle()
    assert (defaults.display_unit, defaults.color_limits, defaults.trace_title) == ("mV", (-80.0, 40.0),
                                                                                    "Membrane potential")
