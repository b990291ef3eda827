"""SWC loading: the shipped cell, and clear errors for malformed files (in process and in a worker)."""

from __future__ import annotations

import functools
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest
from cnv_neuron_testmodels import BadSwcSession, require
from neuron import h

from compneurovis.core import Error, FieldAppend, FieldReplace, SceneReady, WorkerTransport
from compneurovis.neuron import (
    SwcFormatError,
    load_swc,
    odd_nseg,
    sample_swc_path,
    set_nseg,
    validate_swc,
)
from compneurovis.neuron.examples.swc import CA1Session, viewer_factory

GOOD = """# a tiny cell
1 1 0 0 0 5 -1
2 1 0 5 0 5 1
3 3 0 10 0 1 2
4 3 5 20 0 0.8 3
5 3 -5 20 0 0.8 3
"""

MALFORMED = {
    "column count": (GOOD.replace("4 3 5 20 0 0.8 3", "4 3 5 20 0 0.8"), 5, "expected 7 fields"),
    "unknown parent": (GOOD.replace("5 3 -5 20 0 0.8 3", "5 3 -5 20 0 0.8 42"), 6, "parent id 42"),
    "non-numeric": (GOOD.replace("3 3 0 10 0 1 2", "3 3 0 ten 0 1 2"), 4, "'y' is not a number: 'ten'"),
}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shipped_swc_is_complete_and_valid():
    path = sample_swc_path()
    assert validate_swc(path) == 2630
    assert path.read_text().rstrip().splitlines()[-1].split()[0] == "2630"


def test_load_swc_builds_named_sections(tmp_path):
    sections = load_swc(write(tmp_path, "tiny.swc", GOOD), cell_name="tiny", max_segment_length=2.0)
    try:
        names = [sec.name() for sec in sections]
        assert names[0].startswith("tiny.soma") and any(n.startswith("tiny.dend") for n in names)
        assert all(sec.cell() is sections.cell for sec in sections)
        assert all(sec.nseg % 2 == 1 and sec.L / sec.nseg <= 2.0 for sec in sections)
    finally:
        for sec in sections:
            h.delete_section(sec=sec)


def test_nseg_rules():
    assert [odd_nseg(L, 5.0) for L in (0.1, 5.0, 5.1, 10.0, 14.9, 15.1)] == [1, 1, 3, 3, 3, 5]
    assert odd_nseg(1e7, 5.0) == 32765  # NEURON refuses more (the fuzz test found a 1e7 µm section)
    with pytest.raises(ValueError):
        odd_nseg(10.0, 0.0)
    sec = h.Section(name="s")
    sec.L = 100.0
    try:
        assert set_nseg([sec], 7.0) == 15 == sec.nseg
    finally:
        h.delete_section(sec=sec)


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_swc_names_file_and_line(tmp_path, kind):
    text, line, message = MALFORMED[kind]
    path = write(tmp_path, "bad.swc", text)
    before = len(list(h.allsec()))
    with pytest.raises(SwcFormatError, match=message) as info:
        load_swc(path)
    assert str(info.value).startswith(f"{path}, line {line}: malformed SWC")
    assert info.value.line == line and info.value.path == str(path)
    assert len(list(h.allsec())) == before, "nothing reached Import3d"


def test_other_whole_file_problems(tmp_path):
    with pytest.raises(SwcFormatError, match="no samples"):
        validate_swc(write(tmp_path, "empty.swc", "# nothing\n\n"))
    with pytest.raises(SwcFormatError, match=r"dup.swc, line 3: .*repeats the one on line 2"):
        validate_swc(write(tmp_path, "dup.swc", "# x\n1 1 0 0 0 1 -1\n1 1 0 0 0 1 -1\n"))


def _children():
    """Child processes of this one, except multiprocessing's long-lived resource tracker."""
    psutil = require("psutil")
    children = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                children.append(child)
        except psutil.Error:
            pass  # exited meanwhile
    return children


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_swc_through_the_worker_is_a_fatal_error(tmp_path, kind):
    text, line, message = MALFORMED[kind]
    path = write(tmp_path, "bad.swc", text)
    before = {p.pid for p in _children()}
    transport = WorkerTransport(functools.partial(BadSwcSession, swc_path=str(path)))
    updates = []
    with transport:
        deadline = time.monotonic() + 60
        while not any(isinstance(u, Error) for u in updates) and time.monotonic() < deadline:
            updates += transport.poll(timeout=0.5)
        pid = transport.pid
    errors = [u for u in updates if isinstance(u, Error)]
    assert errors, "the worker reported nothing (hang?)"
    assert errors[0].fatal
    assert f"{path}, line {line}: malformed SWC" in errors[0].message and message in errors[0].message
    assert "SwcFormatError" in errors[0].message
    assert not any(isinstance(u, SceneReady) for u in updates)
    assert not transport.is_alive()
    leftover = {p.pid for p in _children()} - before
    assert pid not in leftover and not leftover


DATA = Path(__file__).with_name("data")


def _contour_radius(path):
    rows = [line.split() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    soma = np.array([[float(v) for v in r[2:5]] for r in rows if r[1] == "1"])
    return float(np.linalg.norm(soma - soma.mean(axis=0), axis=1).mean())


def _first_radius(path):
    rows = [line.split() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return float(next(r for r in rows if r[1] == "1")[5])


SOMA_FILES = {
    "one_point_soma.swc": ("one point", _first_radius),
    "celegans_two_point_soma.swc": ("coincident points", _first_radius),
    "three_point_soma.swc": ("three-point", _first_radius),
    "contour_soma.swc": ("contour", _contour_radius),
}


@pytest.mark.parametrize("name", sorted(SOMA_FILES))
def test_soma_conventions_give_a_sphere_area_and_100_ms_without_nan(name):
    kind, radius_of = SOMA_FILES[name]
    path = DATA / name
    r = radius_of(path)
    session = CA1Session(swc_path=str(path), cell_name="c")
    try:
        session.initialize()
        sections = session.swc_sections
        assert sections.soma_kind == kind
        (soma,) = sections.of_type(1)
        assert soma.L == pytest.approx(2 * r, rel=1e-5) and soma.diam == pytest.approx(2 * r, rel=1e-5)
        assert sum(seg.area() for seg in soma) == pytest.approx(4 * math.pi * r * r, rel=1e-5)
        vmax = -np.inf
        for _ in range(400):  # 100 ms at display_dt 0.25 ms: two pulses
            session.advance()
            for update in session.read_updates():
                if isinstance(update, FieldReplace | FieldAppend):
                    assert np.isfinite(update.values).all(), f"non-finite values at t={session.time}"
            vmax = max(vmax, max(seg.v for sec in sections for seg in sec))
        assert session.time == pytest.approx(100.0)
        assert all(math.isfinite(seg.v) for sec in sections for seg in sec)
        assert vmax > 0.0, "the pulses make the soma fire"
    finally:
        session.shutdown()


def test_three_point_soma_listed_after_the_dendrites_is_still_recognised(tmp_path):
    lines = (DATA / "three_point_soma.swc").read_text().splitlines(keepends=True)
    data = [line for line in lines if not line.startswith("#")]
    path = write(tmp_path, "late.swc", "".join(data[:1] + data[3:] + data[1:3]))
    sections = load_swc(path)
    assert sections.soma_kind == "three-point"
    (soma,) = sections.of_type(1)
    assert soma.L == pytest.approx(15.0) and soma.diam == pytest.approx(15.0)
    del soma, sections


@pytest.mark.parametrize("stem", ["my_soma_cell", "soma", "somatic_dend"])
def test_channels_follow_the_swc_type_not_the_file_name(tmp_path, stem):
    path = write(tmp_path, f"{stem}.swc", (DATA / "one_point_soma.swc").read_text())
    session = viewer_factory(str(path))()
    try:
        session.initialize()
        sections = session.swc_sections
        assert all(stem in sec.name() for sec in sections)  # every name holds the file's name
        hh = [sec.has_membrane("hh") for sec in sections]
        assert hh == [kind == 1 for kind in sections.types] and sum(hh) == 1
        assert all(sec.has_membrane("pas") for sec, kind in zip(sections, sections.types, strict=True) if kind != 1)
    finally:
        session.shutdown()


def _data_lines(name):
    return [line for line in (DATA / name).read_text().splitlines(keepends=True) if not line.startswith("#")]


def test_fixed_up_files_load(tmp_path):
    """What crashed Import3d or NEURON loads after a documented fix-up."""
    lines = _data_lines("one_point_soma.swc")
    reordered = write(tmp_path, "reordered.swc", "".join(lines[::-1]))
    sections = load_swc(reordered)
    assert sections.fixes == ["reordered so that parents come first"] and len(sections) == 4
    del sections
    huge = "".join(" ".join([str(2**70 + int(f[0])), *f[1:6], str(2**70 + int(f[6])) if f[6] != "-1" else "-1"]) + "\n"
                   for f in (line.split() for line in lines))
    sections = load_swc(write(tmp_path, "huge_ids.swc", huge))
    assert sections.fixes == [] and len(sections) == 4
    del sections
    comment = write(tmp_path, "comment.swc", "#" + "x" * 40000 + "\n" + "".join(lines))
    assert validate_swc(comment) == len(lines)
    del comment


def test_a_file_without_soma_runs_with_its_root_section_as_soma(tmp_path):
    lines = _data_lines("one_point_soma.swc")
    path = write(tmp_path, "nosoma.swc", "".join(line.replace(" 1 ", " 3 ", 1) if line.startswith("1 ") else line
                                                 for line in lines))
    session = CA1Session(swc_path=str(path))
    try:
        session.initialize()
        assert session.swc_sections.soma_kind == "none" and 1 not in session.swc_sections.types
        assert len(session.soma) == 1 and session.soma[0].parentseg() is None and session.soma[0].has_membrane("hh")
        for _ in range(40):
            session.advance()
        assert all(math.isfinite(seg.v) for sec in session.swc_sections for seg in sec)
    finally:
        session.shutdown()


REFUSED = {  # name: (replace line 2 by, the line in the message, what it says)
    "self-parent": ("2 3 0 5 0 1 2", 2, "sample 2 is its own parent"),
    "cycle": ("2 3 0 5 0 1 3\n3 3 0 9 0 1 2", 2, "parent ids form a cycle (sample -> its parent): 2 -> 3 -> 2"),
    "huge coordinate": ("2 3 0 1e300 0 1 1", 2, "field 'y' is 1e+300 µm"),
    "zero radius": ("2 3 0 5 0 0 1", 2, "field 'radius' must be positive, got '0'"),
    "negative radius": ("2 3 0 5 0 -0.5 1", 2, "field 'radius' must be positive, got '-0.5'"),
    "second root": ("2 3 0 5 0 1 -1", 2, "a second root"),
    "negative type": ("2 -3 0 5 0 1 1", 2, "field 'type' must be 0.."),
    "id beyond range as float": ("2e400 3 0 5 0 1 1", 2, "field 'id' is not an integer"),
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_what_neuron_cannot_take_is_refused_with_file_and_line(tmp_path, kind):
    text, line, message = REFUSED[kind]
    path = write(tmp_path, "bad.swc", f"1 1 0 0 0 5 -1\n{text}\n4 3 0 20 0 1 1\n")
    before = len(list(h.allsec()))
    with pytest.raises(SwcFormatError, match=re.escape(message)) as info:
        load_swc(path)
    assert str(info.value).startswith(f"{path}, line {line}: malformed SWC")
    assert len(list(h.allsec())) == before, "nothing reached Import3d"
    with pytest.raises(SwcFormatError):
        viewer_factory(str(path))  # `compneurovis view` fails before any window or worker


def test_shipped_cell_loads_unchanged():
    sections = load_swc(sample_swc_path())
    assert sections.soma_kind == "cylinders" and sections.fixes == []
    assert sum(sec.nseg for sec in sections) == 2536 and sections.types.count(1) == 2
    del sections
