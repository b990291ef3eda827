"""Section ownership, re-initialisation and construction details of NeuronSession."""

from __future__ import annotations

import numpy as np
import pytest
from cnv_neuron_testmodels import BentCell
from neuron import h

from compneurovis.core import HistoryCaptureMode
from compneurovis.neuron import NeuronSceneBuilder, NeuronSession


class OneSection(NeuronSession):
    def build_sections(self):
        sec = h.Section(name="only")
        sec.L = sec.diam = 10.0
        sec.insert("hh")
        return sec  # a single section is fine


def test_constructor_defaults_and_attributes():
    session = OneSection()
    assert (session.dt, session.v_init, session.max_samples, session.display_dt) == (0.1, -65.0, 1000, 0.1)
    assert session.history_capture_mode is HistoryCaptureMode.ON_DEMAND
    assert session.title == "CompNeuroVis"
    assert session.sections is None and session.geometry is None
    assert session.scene_builder is NeuronSceneBuilder
    assert session.display_variable() == "v"
    with pytest.raises(TypeError):
        NeuronSession()  # abstract: build_sections


def test_single_section_and_shutdown_deletes_it():
    before = len(list(h.allsec()))
    session = OneSection(dt=0.05)
    scene = session.initialize()
    assert len(list(h.allsec())) == before + 1
    assert scene.geometries["morphology"].entity_ids == ("only[0]",)
    assert h.dt == 0.05
    session.shutdown()
    assert len(list(h.allsec())) == before
    assert session.sections is None and not session.is_live()


def test_reinitialize_rebuilds_the_model_without_leaking():
    before = len(list(h.allsec()))
    session = BentCell()
    try:
        session.initialize()
        first = list(session.sections)
        for _ in range(5):
            session.advance()
        scene = session.initialize()
        assert len(list(h.allsec())) == before + 2
        assert session.time == 0.0 and all(a is not b for a, b in zip(first, session.sections, strict=True))
        assert scene.fields["segment_history"].values.shape[0] == 1
        session.advance()
        assert np.isfinite(session._display.view).all()
    finally:
        session.shutdown()
    assert len(list(h.allsec())) == before


def test_empty_model_is_a_clear_error():
    class Empty(NeuronSession):
        def build_sections(self):
            return []

    with pytest.raises(ValueError, match="returned no sections"):
        Empty().initialize()


def test_unknown_display_variable_is_a_clear_error():
    class Bad(BentCell):
        def display_variable(self):
            return "cai"

    session = Bad()
    try:
        with pytest.raises(ValueError, match="display variable 'cai'"):
            session.initialize()
    finally:
        session.shutdown()


def test_steps_per_update_and_times():
    session = BentCell(dt=0.025, display_dt=0.1)
    try:
        session.initialize()
        assert session.steps_per_update() == 4
        session.advance()
        assert session.time == pytest.approx(0.1)
        assert session.time == h.t
    finally:
        session.shutdown()
