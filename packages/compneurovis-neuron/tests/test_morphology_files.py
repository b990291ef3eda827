"""Neurolucida, NeuroML and MorphIO files through `load_morphology`; bad files name file and line."""

import gc
from pathlib import Path

import pytest

from compneurovis.neuron import (
    MorphologyFormatError,
    NeurolucidaFormatError,
    NeuroMLFormatError,
    SwcCellSession,
    load_morphology,
    sample_swc_path,
    validate_morphology,
)

DATA = Path(__file__).with_name("data")


def _lengths(sections):
    return sorted(round(sec.L, 6) for sec, kind in zip(sections, sections.types, strict=True) if kind != 1)


def test_neurolucida_through_import3d_matches_morphio():
    asc = load_morphology(DATA / "small_cell.asc", cell_name="asc")
    assert [sec.name() for sec in asc] == ["asc.soma[0]", "asc.axon[0]", "asc.dend[0]", "asc.dend[1]",
                                           "asc.dend[2]"]
    assert asc.types == [1, 2, 3, 3, 3] and asc.soma_kind == "contour"
    assert all(sec.nseg % 2 == 1 and sec.L / sec.nseg <= 5.0 for sec in asc)
    # two independent readers (NEURON's Import3d, MorphIO) agree on every neurite's length
    via_morphio = load_morphology(DATA / "small_cell.asc", cell_name="mio", reader="morphio")
    assert _lengths(asc) == pytest.approx(_lengths(via_morphio), abs=1e-4)
    assert _lengths(asc) == pytest.approx(sorted([55.016662, 35.124612, 43.923689, 48.249192]), abs=1e-4)
    del asc, via_morphio
    gc.collect()


def test_morphio_h5_and_neuroml():
    h5 = load_morphology(DATA / "small_cell.h5", cell_name="h5")
    assert h5.types == [1, 2, 3, 3, 3] and h5.path == DATA / "small_cell.h5"
    assert _lengths(h5) == pytest.approx(sorted([55.016662, 35.124612, 43.923689, 48.249192]), abs=1e-4)
    nml = load_morphology(DATA / "small_cell.xml", cell_name="nml", max_segment_length=None)
    # soma 10 µm, dendrite 20 + sqrt(20² + 10²) µm, axon 40 µm, as the file's points say
    assert sorted(round(sec.L, 4) for sec in nml) == [10.0, 40.0, round(20 + (20**2 + 10**2) ** 0.5, 4)]
    assert sum(sec.nseg for sec in nml) == len(nml)  # max_segment_length=None keeps NEURON's nseg
    del h5, nml
    gc.collect()  # Import3d's reader objects hold the cell in a reference cycle


def test_the_reader_is_picked_by_suffix():
    assert validate_morphology(DATA / "small_cell.asc") == "neurolucida"
    assert validate_morphology(DATA / "small_cell.xml") == "neuroml"
    assert validate_morphology(DATA / "small_cell.h5") == "morphio"
    assert validate_morphology(sample_swc_path()) == "swc"
    with pytest.raises(ValueError, match=r"no morphology reader for '\.obj'; known suffixes: \.asc, \.h5"):
        validate_morphology(DATA / "cell.obj")


@pytest.mark.parametrize(("name", "text", "error", "where"), [
    ("open.asc", "(\n (Dendrite)\n ( 1 2 3 4)\n", NeurolucidaFormatError,
     "open.asc, line 1: malformed Neurolucida: '(' is never closed"),
    ("close.asc", "( (Dendrite)\n ( 1 2 3 4)\n))\n", NeurolucidaFormatError,
     "close.asc, line 3: malformed Neurolucida: ')' closes nothing"),
    ("quote.asc", "( (Dendrite)\n (\"a 1 2 3 4)\n)\n", NeurolucidaFormatError,
     "quote.asc, line 2: malformed Neurolucida: a string"),
    ("bytes.asc", "( (Dendrite)\n ( 1 2 3 4)\n\udcff)\n", NeurolucidaFormatError,
     "bytes.asc, line 3: malformed Neurolucida: byte 0xff"),
    ("xml.xml", "<a xmlns='http://morphml.org/morphml/schema'>\n<b>\n</a>\n", NeuroMLFormatError,
     "xml.xml, line 3: malformed NeuroML: not well-formed XML: mismatched tag"),
    ("evil.xml", "<a xmlns='http://x/__import__(\"os\").system(\"touch pwned\")/s'>\n<segment/></a>\n",
     NeuroMLFormatError, "evil.xml, line 1: malformed NeuroML: element <a> is in namespace"),
    ("dtd.xml", "<?xml version='1.0'?>\n<!DOCTYPE a [<!ENTITY e 'x'>]>\n<a/>\n", NeuroMLFormatError,
     "dtd.xml, line 2: malformed NeuroML: a DOCTYPE"),
])
def test_bad_files_name_file_and_line(tmp_path, name, text, error, where):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    with pytest.raises(error) as info:
        load_morphology(path)
    assert isinstance(info.value, MorphologyFormatError)
    assert str(info.value).startswith(f"{tmp_path}/{where}")
    assert not (Path.cwd() / "pwned").exists()


def test_neuroml_cable_references_are_checked_before_neuron(tmp_path):
    # NEURON's MorphML reader crashes the process on a segment whose cable is not declared
    text = (DATA / "small_cell.xml").read_text().replace(
        '<cable id="1" name="dend" fract_along_parent="1"><meta:group>dendrite_group</meta:group></cable>', "")
    path = tmp_path / "nocable.xml"
    path.write_text(text)
    with pytest.raises(NeuroMLFormatError, match=r"nocable.xml, line 12: malformed NeuroML: segment 1 is on cable 1"):
        load_morphology(path)


def test_a_neuroml_element_out_of_place_is_refused_before_neuron(tmp_path):
    # found by test_morphology_fuzz: a <cable> moved into a <segment> made NEURON's reader connect at
    # x outside [0, 1], then crash the process
    text = (DATA / "small_cell.xml").read_text()
    cable = '        <cable id="2" name="axon" fract_along_parent="0"><meta:group>axon_group</meta:group></cable>\n'
    assert cable in text
    text = text.replace(cable, "").replace('        <segment id="1" name="dend_a" parent="0" cable="1">\n',
                                           '        <segment id="1" name="dend_a" parent="0" cable="1">\n' + cable)
    path = tmp_path / "misplaced.xml"
    path.write_text(text)
    with pytest.raises(NeuroMLFormatError,
                       match=r"misplaced.xml, line 13: malformed NeuroML: <cable> must be inside <cables>, "
                             r"not <segment>"):
        load_morphology(path)


def test_morphio_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n not really")
    with pytest.raises(MorphologyFormatError, match=r"bad.h5: malformed morphology: MorphIO"):
        load_morphology(path)


def test_a_session_runs_on_a_neurolucida_cell(session_factory):
    session = session_factory(SwcCellSession, swc_path=DATA / "small_cell.asc", cell_name="small")
    scene = session.initialize()
    geometry = scene.geometries["morphology"]
    assert geometry.n_entities == sum(sec.nseg for sec in session.sections)
    assert session.soma and session.soma[0].name() == "small.soma[0]"
    for _ in range(3):
        session.advance()
    assert session.read_updates()
