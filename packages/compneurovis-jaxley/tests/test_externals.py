"""Stimuli and clamps are indexed by absolute step, like jx.integrate."""

from __future__ import annotations

import jax.numpy as jnp
import jaxley as jx
import numpy as np
from cnv_jaxley_testmodels import DT, TinyHH, assert_same_voltages


class LoopedPulse(TinyHH):
    """A 40-step pulse train, repeated; a voltage clamp on the last compartment for 100 steps."""

    pulse = jnp.concatenate([jnp.full(10, 1.0), jnp.zeros(30)])
    clamp = jnp.linspace(-70.0, -20.0, 100)

    def setup_model(self, network, cells):
        super().setup_model(network, cells)
        network.delete_stimuli()
        network.branch(0).comp(0).stimulate(self.pulse, verbose=False)
        network.branch(2).comp(1).clamp("v", self.clamp, verbose=False)

    def loop_externals(self):
        return self._loop

    def history_every_step(self):
        return True  # every step of the pulses and the clamp is compared

    _loop = True


def _history(session, frames):
    scene = session.initialize()
    for _ in range(frames):
        session.advance()
    for update in session.read_updates():
        scene.apply(update)
    return scene.fields["segment_history"].values.T  # (entity, time), as the references


def _reference(stimulus, clamp):
    ref = TinyHH()
    ref.initialize()
    net = ref.network
    net.record(verbose=False)
    net.delete_stimuli()
    net.branch(0).comp(0).stimulate(stimulus, verbose=False)
    net.branch(2).comp(1).clamp("v", clamp, verbose=False)
    return np.asarray(jx.integrate(net, delta_t=DT))


def test_looped_externals_equal_the_tiled_batch_run():
    history = _history(LoopedPulse(history_capture_mode="full"), 12)  # 120 steps
    expected = _reference(jnp.tile(LoopedPulse.pulse, 3), jnp.tile(LoopedPulse.clamp, 2)[:120])
    assert_same_voltages(history, expected)


def test_unlooped_current_stops_and_clamp_holds_its_last_value():
    session = LoopedPulse(history_capture_mode="full")
    session._loop = False
    history = _history(session, 12)
    stimulus = jnp.concatenate([LoopedPulse.pulse, jnp.zeros(80)])
    clamp = jnp.concatenate([LoopedPulse.clamp, jnp.full(20, LoopedPulse.clamp[-1])])
    assert_same_voltages(history, _reference(stimulus, clamp))
    np.testing.assert_allclose(history[-1, 101:], -20.0, atol=1e-4)
