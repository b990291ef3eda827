"""Stimuli and synapses found in NEURON as marks on the morphology; the user's own marks."""

import pytest

from compneurovis.core import MorphologyViewSpec, SceneError, SegmentMark
from compneurovis.neuron import find_marks, segment_marks


def test_a_session_marks_its_iclamp(session_factory):
    session = session_factory()
    scene = session.initialize()
    view = next(v for v in scene.views.values() if isinstance(v, MorphologyViewSpec))
    soma = session.sections[0]
    assert view.marks == (SegmentMark(entity_id="soma[1]", label=session.stim.hname(), kind="stimulus"),)
    assert session.stim.get_segment().sec == soma  # the mark is where NEURON put it: soma(0.5) = segment 1 of 3


def test_find_marks_tells_stimuli_synapses_and_other_point_processes_apart():
    from neuron import h

    soma, dend = h.Section(name="msoma"), h.Section(name="mdend")
    dend.connect(soma(1))
    dend.nseg = 5
    clamp, vclamp = h.IClamp(soma(0.5)), h.SEClamp(soma(0.5))
    syn, alpha = h.ExpSyn(dend(0.7)), h.AlphaSynapse(dend(0.1))
    stim = h.NetStim()
    netcons = [h.NetCon(stim, syn), h.NetCon(None, syn)]
    marks = find_marks([soma, dend])
    by_label = {m.label: m for m in marks}
    assert by_label[clamp.hname()] == SegmentMark(entity_id="msoma[0]", label=clamp.hname(), kind="stimulus")
    assert by_label[vclamp.hname()].kind == "stimulus"
    synapse = f"{syn.hname()} (2 NetCons)"
    assert by_label[synapse] == SegmentMark(entity_id="mdend[3]", label=synapse, kind="synapse")
    assert by_label[alpha.hname()] == SegmentMark(entity_id="mdend[0]", label=alpha.hname(), kind="point_process")
    assert len(marks) == 4
    assert find_marks([soma]) == tuple(m for m in marks if m.entity_id.startswith("msoma"))
    assert set(find_marks()) >= set(marks)  # default: every section in h
    del netcons, stim, clamp, vclamp, syn, alpha, soma, dend


def test_user_marks_from_segments_and_bad_entries():
    from neuron import h

    soma, other = h.Section(name="usoma"), h.Section(name="uother")
    soma.nseg = 3
    assert segment_marks([(soma(0.9), "electrode"), (soma(0.1), "pipette", "stimulus")], [soma]) == (
        SegmentMark(entity_id="usoma[2]", label="electrode"),
        SegmentMark(entity_id="usoma[0]", label="pipette", kind="stimulus"))
    ready = SegmentMark(entity_id="usoma[1]", label="kept")
    assert segment_marks([ready]) == (ready,)
    for entry in ["usoma", (soma, "a section, not a segment"), (soma(0.5), 3), (soma(0.5),), 7]:
        with pytest.raises(ValueError, match=r"marks entry 1 \(.*\) is not a segment and a label"):
            segment_marks([(soma(0.5), "fine"), entry])
    with pytest.raises(ValueError, match=r"marks entry 0: segment uother\(0.5\) is not on the sections shown"):
        segment_marks([(other(0.5), "elsewhere")], [soma])
    del soma, other


def test_a_mark_on_no_segment_of_the_scene_is_refused(session_factory):
    from compneurovis.core import ScenePatch

    session = session_factory()
    scene = session.initialize()
    vid = next(k for k, v in scene.views.items() if isinstance(v, MorphologyViewSpec))
    with pytest.raises(SceneError, match=r"mark 0 \('x'\) is on 'nowhere\[0\]', which is not a segment"):
        scene.apply(ScenePatch(views={vid: {"marks": [("nowhere[0]", "x")]}}))
