"""SWC loading: the shipped cell, and clear errors for malformed files (in process and in a worker)."""

from __future__ import annotations

import functools
import time

import pytest
from cnv_neuron_testmodels import BadSwcSession, require
from neuron import h

from compneurovis.core import Error, SceneReady, WorkerTransport
from compneurovis.neuron import (
    SwcFormatError,
    load_swc,
    odd_nseg,
    sample_swc_path,
    set_nseg,
    validate_swc,
)

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
