"""`ShowSession`, the variable picker and their helpers on real NEURON with rxd calcium (no window).

Run in a child process by `test_show_session.py`: rxd keeps calcium state in
NEURON for the rest of the process (a later, calcium-free model then fails
with "cai died"), so these tests must not share a process with others.
"""

from __future__ import annotations

import numpy as np
import pytest

from compneurovis.core import FieldReplace, Reset, ScenePatch, SetControl, StatePatch
from compneurovis.neuron import VARIABLE_CONTROL_ID, NeuronSession, ShowSession, show
from compneurovis.neuron._show import _check_marks
from compneurovis.neuron._variables import model_variables, variable_refs


def _soma_and_dend():
    """An hh soma (3 segments) and a passive dendrite (5) attached at its end."""
    from neuron import h

    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.nseg = 3
    soma.insert("hh")
    dend = h.Section(name="dend")
    dend.L, dend.diam, dend.nseg = 200, 2, 5
    dend.insert("pas")
    dend.connect(soma(1))
    return soma, dend


@pytest.fixture
def cell():
    """soma (hh; calcium from rxd, diffusing from one end) + dend (pas only), an IClamp; deleted afterwards."""
    from neuron import h, rxd

    h.load_file("stdrun.hoc")
    soma, dend = _soma_and_dend()
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = 2, 30, 0.3
    cyt = rxd.Region([soma], nrn_region="i")
    ca = rxd.Species(cyt, name="ca", charge=2, d=1.0, initial=lambda node: 1e-3 if node.x < 0.4 else 1e-5)
    yield soma, dend, stim
    del stim, ca, cyt
    for sec in (dend, soma):
        h.delete_section(sec=sec)


def _run(session, variable_records, tstop=30.0, display_dt=0.5):
    """Run h like a user script, calling advance() from a cvode.event chain as show() does."""
    from neuron import h

    times = h.Vector().record(h._ref_t)
    fih_fire = []

    def tick():
        session.advance()
        h.cvode.event(h.t + display_dt, tick)

    def start():
        fih_fire.append(h.t)
        h.cvode.event(h.t + display_dt, tick)

    fih = h.FInitializeHandler(1, start)
    h.dt = 0.025
    h.finitialize(-65)
    session._reset()
    h.continuerun(tstop)
    del fih
    return np.asarray(times), [np.asarray(v) for v in variable_records]


def test_variables_list_v_mechanisms_and_ions(cell):
    soma, dend, _ = cell
    names = model_variables([soma, dend])
    assert next(iter(names)) == "v" and names["v"] == "mV"
    for expected in ("m_hh", "h_hh", "gnabar_hh", "i_pas", "cai", "ica", "ina", "ik"):
        assert expected in names
    assert names["cai"] == "mM" and names["ina"] == "mA/cm2"
    assert "dina_dv_" not in names and "diam" not in names
    refs, _keep, missing = variable_refs([soma, dend], "m_hh")
    assert len(refs) == 8 and missing == 5


def test_show_session_values_equal_vector_record(cell):
    """m_hh, then cai (diffusing under rxd), sampled at each display step, equal Vector.record to float32."""
    from neuron import h

    soma, dend, _ = cell
    session = ShowSession([soma, dend], variable="m_hh")
    session.initialize()
    recs = [h.Vector().record(seg._ref_m_hh) for seg in soma]
    times, values = _run(session, recs)
    t_hist, hist = session._traces.snapshot()
    assert hist.dtype == np.float32 and len(t_hist) >= 50
    rows = session._traces.rows
    assert list(rows) == [0]
    idx = np.searchsorted(times, t_hist - 1e-9)
    np.testing.assert_array_equal(hist[:, 0], values[0][idx].astype(np.float32))
    assert np.ptp(hist[:, 0]) > 0.5  # it spiked: m_hh went from ~0.05 to ~1
    latest = session._sample_display()[1][0]
    assert np.all(np.isfinite(latest[:3])) and np.all(np.isnan(latest[3:]))

    session.handle(SetControl(control_id=VARIABLE_CONTROL_ID, value="cai"))
    updates = session.read_updates()
    replaced = [u for u in updates if isinstance(u, FieldReplace) and u.field_id == session.display_field_id()]
    assert replaced and replaced[0].unit == "mM"
    assert any(isinstance(u, StatePatch) and u.values == {"variable": "cai"} for u in updates)
    patch = next(u for u in updates if isinstance(u, ScenePatch))
    assert patch.views["morphology"]["title"] == "cai" and patch.views["morphology"]["color_limits"] is None
    cai = [h.Vector().record(seg._ref_cai) for seg in soma]
    times, values = _run(session, cai)
    t_hist, hist = session._traces.snapshot()
    idx = np.searchsorted(times, t_hist - 1e-9)
    np.testing.assert_array_equal(hist[:, 0], values[0][idx].astype(np.float32))
    assert hist[0, 0] > 5e-4 and hist[-1, 0] < 0.9 * hist[0, 0]  # soma(1/6) loses calcium to the far end
    last = session._sample_display()[1][0]
    np.testing.assert_array_equal(last[:3], np.float32([seg.cai for seg in soma]))
    assert np.all(np.isnan(last[3:]))  # the dendrite has no calcium: "no value"
    session.shutdown()


def test_unknown_variable_lists_the_available_ones(cell):
    soma, dend, _ = cell
    with pytest.raises(ValueError, match=r"unknown variable 'cao_x'.*available: v, .*m_hh"):
        ShowSession([soma, dend], variable="cao_x")
    session = ShowSession([soma, dend])
    session.initialize()
    with pytest.raises(ValueError, match=r"unknown variable 'nope'"):
        session.switch_variable("nope")
    session.handle(SetControl(control_id=VARIABLE_CONTROL_ID, value="nope"))
    errors = [u for u in session.read_updates() if type(u).__name__ == "Error"]
    assert errors and "nope" in errors[0].message and "m_hh" in errors[0].message
    assert session.variable == "v"  # nothing changed
    session.shutdown()


def test_marks_are_checked(cell):
    soma, dend, stim = cell
    assert _check_marks([(soma(0.5), "stim"), [dend(1), "tip"]])[1][1] == "tip"
    with pytest.raises(TypeError, match=r"marks\[1\].*not a NEURON segment"):
        _check_marks([(soma(0.5), "ok"), (soma, "whole section")])
    with pytest.raises(TypeError, match=r"marks\[0\].*\(segment, label\) pair"):
        _check_marks([soma(0.5)])
    with pytest.raises(TypeError, match=r"marks\[0\]: label 3"):
        _check_marks([(dend(0.1), 3)])
    with pytest.raises(TypeError, match=r"marks\[0\]"):
        show(marks=[(stim, "an IClamp is not a segment")])


class _CalciumCell(NeuronSession):
    """hh soma with rxd calcium diffusing from one end, a passive dendrite, a strong IClamp."""

    def build_sections(self):
        return list(_soma_and_dend())

    def setup_model(self, sections):
        from neuron import h, rxd

        soma = sections[0]
        self.stim = h.IClamp(soma(0.5))
        self.stim.delay, self.stim.dur, self.stim.amp = 1, 30, 1.0
        self.cyt = rxd.Region([soma], nrn_region="i")
        self.ca = rxd.Species(self.cyt, name="ca", charge=2, d=1.0,
                              initial=lambda node: 1e-3 if node.x < 0.4 else 1e-5)

    def shutdown(self):
        self.stim = self.ca = self.cyt = None
        super().shutdown()


def test_neuron_session_picker_switches_while_running_and_equals_vector_record():
    from neuron import h

    session = _CalciumCell(dt=0.025, display_dt=0.25)
    try:
        scene = session.initialize()
        picker = scene.controls[VARIABLE_CONTROL_ID]
        assert {"v", "m_hh", "cai", "ica", "ina"} <= set(picker.value_spec.options)
        assert VARIABLE_CONTROL_ID in scene.panels["controls"].control_ids
        for _ in range(8):
            session.advance()
        soma = session.sections[0]
        for variable, ref in (("m_hh", soma(1 / 6)._ref_m_hh), ("cai", soma(1 / 6)._ref_cai)):
            session.handle(SetControl(control_id=VARIABLE_CONTROL_ID, value=variable))
            updates = session.read_updates()
            unit = next(u.unit for u in updates if isinstance(u, FieldReplace) and u.field_id == "segment_display")
            assert unit == {"m_hh": "", "cai": "mM"}[variable]
            rec, t = h.Vector().record(ref), h.Vector().record(h._ref_t)
            session.handle(Reset())  # h.finitialize: Vector.record starts; the variable stays
            for _ in range(40):
                session.advance()
            assert not [u for u in session.read_updates() if type(u).__name__ == "Error"]  # NaN dend is no error
            times, hist = session._traces.snapshot()
            assert len(times) == 1 + 40 * 10  # every step since the switch
            idx = np.searchsorted(np.asarray(t), times - 1e-9)
            np.testing.assert_array_equal(hist[:, 0], np.asarray(rec)[idx].astype(np.float32))
            assert np.ptp(hist[:, 0]) > {"m_hh": 0.5, "cai": 1e-5}[variable]
            shown = session._sample_display()[1][0]
            assert np.all(np.isfinite(shown[:3])) and np.all(np.isnan(shown[3:]))
        session.handle(SetControl(control_id=VARIABLE_CONTROL_ID, value="nope"))
        error = next(u for u in session.read_updates() if type(u).__name__ == "Error")
        assert "unknown variable 'nope'" in error.message and "cai" in error.message
    finally:
        session.shutdown()
