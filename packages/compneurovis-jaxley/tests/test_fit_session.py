"""`JaxleyFitSession`: gradients equal ``jax.grad``, losses equal the plain optax loop, recordings replay."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jaxley as jx
import numpy as np
import optax
import pytest
from cnv_jaxley_fitmodels import (
    INTEGRATE,
    fit_cell,
    fit_session,
    mse,
    optimizer,
    target,
    trainable_cell,
    transform,
)

from compneurovis.core import (
    DisplayFrame,
    EntityClicked,
    Error,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    RecordingSession,
    ReplaySession,
    ScenePatch,
    SetControl,
    Status,
    read_recording,
)
from compneurovis.jaxley import JaxleyFitSession
from compneurovis.jaxley._fit_model import set_learning_rate

N = 5


def _spread(cell, values):
    """Per compartment, independently of the session: ``{name: (n_comps,)}`` with NaN where untrained."""
    out = {}
    for entry, inds in zip(values, cell.indices_set_by_trainables, strict=True):
        (name, vals), = entry.items()
        row = out.setdefault(name, np.full(len(cell.nodes), np.nan))
        for group, value in zip(np.asarray(inds), np.asarray(vals), strict=True):
            row[group[group >= 0]] = value
    return out


@pytest.fixture(scope="module")
def reference_step():
    """The optax loop as a user writes it, without any viewer."""
    cell, goal, tf, opt = trainable_cell(), target(), transform(), optimizer()

    @jax.jit
    def step(params, state):
        value, grads = jax.value_and_grad(
            lambda p: mse(jx.integrate(cell, params=tf.forward(p), **INTEGRATE), goal))(params)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    start = tf.inverse(cell.get_parameters())
    return step, start, opt.init(start)


@pytest.fixture(scope="module")
def recorded_fit(tmp_path_factory):
    """``N`` iterations recorded to a file; the optimised variables before each, and every update."""
    path = tmp_path_factory.mktemp("fit") / "fit.cnvrec"
    inner = fit_session()
    session = RecordingSession(lambda: inner, path)
    scene = session.initialize()
    params, updates = [], []
    for _ in range(N):
        params.append(inner.opt_params)
        session.advance()
        updates.extend(session.read_updates())
    session.shutdown()
    return path, scene, params, updates, inner


def _of(updates, field_id):
    return [u for u in updates if isinstance(u, FieldReplace | DisplayFrame) and u.field_id == field_id]


def test_gradient_field_is_jax_grad_at_the_same_parameters(recorded_fit):
    _, _, params, updates, session = recorded_fit
    cell, goal, tf = trainable_cell(), target(), transform()
    grad = jax.jit(jax.grad(lambda p: mse(jx.integrate(cell, params=tf.forward(p), **INTEGRATE), goal)))
    fields = _of(updates, "fit_gradients")
    assert len(fields) == N
    names = session.problem.parameters.names
    assert names == ["HH_gNa", "HH_gK"]
    for p, update in zip(params, fields, strict=True):
        assert update.values.dtype == np.float64
        expected = _spread(cell, grad(p))
        for row, name in enumerate(names):
            got = update.values[row]
            trained = ~np.isnan(expected[name])
            assert np.array_equal(np.isnan(got), ~trained)  # untrained compartments are NaN (grey)
            np.testing.assert_allclose(got[trained], expected[name][trained], rtol=1e-9, atol=0)
            assert np.abs(expected[name][trained]).min() > 0  # a real gradient, not zeros on both sides


def test_parameter_field_is_the_transformed_parameters(recorded_fit):
    _, _, params, updates, session = recorded_fit
    cell, tf = trainable_cell(), transform()
    fields = _of(updates, "fit_parameters")
    assert len(fields) == N
    for p, update in zip(params, fields, strict=True):
        expected = _spread(cell, tf.forward(p))
        for row, name in enumerate(session.problem.parameters.names):
            trained = ~np.isnan(expected[name])
            np.testing.assert_array_equal(update.values[row][trained], expected[name][trained])
            # compartments no trainable sets keep the module's own value
            np.testing.assert_array_equal(update.values[row][~trained], cell.nodes[name].to_numpy()[~trained])
        assert (~np.isnan(expected["HH_gNa"])).sum() == 2
    assert not np.array_equal(fields[0].values, fields[-1].values)  # the fit moved them


def test_losses_equal_the_plain_optax_loop_bit_for_bit(recorded_fit, reference_step):
    _, _, _, updates, session = recorded_fit
    step, params, state = reference_step
    expected = []
    for _ in range(N):
        params, state, value = step(params, state)
        expected.append(float(value))
    assert session.losses == expected  # exact
    assert expected[-1] < expected[0]
    appended = [u for u in updates if getattr(u, "field_id", None) == "fit_loss"]
    assert [float(u.values[0]) for u in appended] == expected
    assert [float(u.coord_values[0]) for u in appended] == list(range(N))  # iteration is the time axis
    # the trace shown is the one the loss was computed from
    trace = _of(updates, "fit_trace")[-1].values
    goal = np.asarray(target())
    np.testing.assert_array_equal(trace[1], goal[0])
    assert float(np.mean((trace[0] - goal[0]) ** 2)) == pytest.approx(expected[-1], rel=1e-12)


def test_recording_replays_one_frame_per_iteration(recorded_fit):
    path, _, _, updates, _ = recorded_fit
    recording = read_recording(path)
    assert recording.damage is None
    frames = recording.frames()
    assert len(frames) == N
    replay = ReplaySession.from_recording(path)
    scene = replay.initialize()
    replay.seek(2)
    for update in replay.read_updates():
        scene.apply(update)
    assert list(scene.fields["fit_loss"].coords["time"]) == [0.0, 1.0, 2.0]
    assert scene.time_text(2.0) == "iteration 2"  # the window says "iteration 2", not "t = 2.00 ms"
    np.testing.assert_array_equal(scene.fields["fit_gradients"].values, _of(updates, "fit_gradients")[2].values)
    np.testing.assert_array_equal(scene.fields["fit_display"].values, _of(updates, "fit_display")[2].values)


def test_learning_rate_control_equals_the_loop_with_the_same_change(reference_step):
    step, params, state = reference_step
    session = fit_session()
    session.initialize()
    assert session.control_values["learning_rate"] == pytest.approx(0.05)
    expected = []
    for k in range(4):
        if k == 2:
            session.handle(SetControl(control_id="learning_rate", value=0.01))
            state = set_learning_rate(state, (), 0.01)
        session.advance()
        params, state, value = step(params, state)
        expected.append(float(value))
    assert session.losses == expected


def test_pause_step_show_gradient_click_and_restart():
    session = fit_session(max_iterations=3)
    scene = session.initialize()
    assert scene.views["morphology"].color_map == "scalar"
    session.handle(InvokeAction(action_id="pause"))
    assert not session.is_live()
    session.handle(KeyPressed(key="Right"))  # one iteration, still paused
    assert session.iteration == 1 and not session.is_live()
    session.handle(SetControl(control_id="parameter", value="HH_gK"))
    session.handle(SetControl(control_id="show", value="gradient"))
    updates = session.read_updates()
    for update in updates:
        scene.apply(update)
    patch = [u for u in updates if isinstance(u, ScenePatch)][-1]
    assert patch.views["morphology"]["color_map"] == "diverging"
    assert scene.views["morphology"].color_norm == "symmetric"
    gradients = scene.fields["fit_gradients"].values
    np.testing.assert_array_equal(scene.fields["fit_display"].values, gradients[1].astype(np.float32))
    session.handle(EntityClicked(entity_id="cell0.branch2[1]"))
    session.handle(EntityClicked(entity_id="nowhere"))
    session.handle(SetControl(control_id="show", value="nope"))
    session.handle(InvokeAction(action_id="fly"))
    updates = session.read_updates()
    statuses = [u.message for u in updates if isinstance(u, Status)]
    assert any(s.startswith("cell0.branch2[1]: HH_gNa = ") and "HH_gK" in s for s in statuses)
    errors = [u.message for u in updates if isinstance(u, Error)]
    assert len(errors) == 3 and "nowhere" in errors[0] and "nope" in errors[1] and "fly" in errors[2]
    session.handle(InvokeAction(action_id="pause"))
    while session.is_live():
        session.advance()
    assert session.iteration == 3  # max_iterations
    first = session.losses[0]
    session.handle(InvokeAction(action_id="reset"))
    assert session.iteration == 0 and session.is_live()
    session.advance()
    assert session.losses == [first]


def test_bad_problems_are_refused_with_the_reason():
    goal = target()
    plain = fit_cell(0.1, 0.04)
    with pytest.raises(ValueError, match="no trainable parameters"):
        JaxleyFitSession(plain, loss=mse, target=goal, optimizer=optax.adam(0.1))
    unrecorded = fit_cell(0.1, 0.04)
    unrecorded.delete_recordings()
    unrecorded.make_trainable("HH_gNa", verbose=False)
    with pytest.raises(ValueError, match="records nothing"):
        JaxleyFitSession(unrecorded, loss=mse, target=goal, optimizer=optax.adam(0.1)).initialize()
    with pytest.raises(ValueError, match=r"target has shape \(1, 5\), but jx.integrate records \(1, 161\)"):
        JaxleyFitSession(trainable_cell(), loss=mse, target=jnp.zeros((1, 5)), optimizer=optax.adam(0.1),
                         integrate_kwargs=INTEGRATE).initialize()
    with pytest.raises(ValueError, match="loss must return a scalar"):
        JaxleyFitSession(trainable_cell(), loss=lambda v, t: v - t, target=goal, optimizer=optax.adam(0.1),
                         integrate_kwargs=INTEGRATE).initialize()


def test_a_plain_optimizer_has_no_learning_rate_control():
    session = JaxleyFitSession(trainable_cell(), loss=mse, target=target(), optimizer=optax.sgd(1e-3),
                               integrate_kwargs=INTEGRATE)
    scene = session.initialize()
    assert set(scene.controls) == {"parameter", "show"}
    session.handle(SetControl(control_id="learning_rate", value=0.1))
    error = next(u for u in session.read_updates() if isinstance(u, Error))
    assert "unknown control 'learning_rate'" in error.message
