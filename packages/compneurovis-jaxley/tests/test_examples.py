from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from compneurovis.jaxley.examples import small_network, swc_cell


@pytest.mark.slow
@pytest.mark.parametrize(("module", "expected"), [
    (swc_cell, "Jaxley CA1 SWC cell: 310 compartments"),
    (small_network, "Jaxley small network: 18 compartments in 3 cells"),
])
def test_example_runs_frames_through_the_worker(module, expected, capsys):
    assert module.main(["--frames", "3"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(expected), line
    assert len(line.splitlines()) == 1


def test_demos_are_registered_entry_points():
    demos = {ep.name: ep for ep in entry_points(group="compneurovis.demos")}
    assert demos["jaxley-swc"].load() is swc_cell.SwcCellSession
    assert demos["jaxley-network"].load() is small_network.SmallNetworkSession
