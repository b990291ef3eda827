"""The SWC demo's cell cache: same cell as ``jx.read_swc``, read back from disk, robust to bad entries."""

from __future__ import annotations

import pickle

import jax
import jax.numpy as jnp
import jaxley as jx
import numpy as np
import pandas as pd
import pytest
from cnv_jaxley_testmodels import tiny_cell
from jaxley.channels import HH

from compneurovis.jaxley._swc_cache import FOLDER, read_swc_cached

SWC = """\
1 1 0 0 0 5 -1
2 1 5 0 0 5 1
3 3 10 0 0 1 2
4 3 20 5 0 1 3
5 3 30 0 0 1 4
6 3 40 10 0 0.8 5
7 3 50 25 0 0.8 6
"""


def _voltages(cell: jx.Cell) -> np.ndarray:
    cell.insert(HH())
    cell.branch(0).comp(0).stimulate(jnp.full(40, 0.5), verbose=False)
    cell.record("v", verbose=False)
    return np.asarray(jx.integrate(cell, delta_t=0.025, t_max=1.0))


def test_cached_cell_is_jaxleys_own(tmp_path, caplog):
    swc = tmp_path / "cell.swc"
    swc.write_text(SWC)
    fresh = jx.read_swc(str(swc), ncomp=2)
    first = read_swc_cached(str(swc), cache_dir=str(tmp_path / "cache"), ncomp=2)
    entries = list((tmp_path / "cache" / FOLDER).glob("*.pkl"))
    assert len(entries) == 1 and not list((tmp_path / "cache" / FOLDER).glob("*.tmp"))
    again = read_swc_cached(str(swc), cache_dir=str(tmp_path / "cache"), ncomp=2)
    for cell in (first, again):
        pd.testing.assert_frame_equal(cell.nodes, fresh.nodes)
        pd.testing.assert_frame_equal(cell._comp_edges, fresh._comp_edges)
        for a, b in zip(cell.xyzr, fresh.xyzr, strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(_voltages(again), _voltages(fresh))
    # another ncomp is another entry
    read_swc_cached(str(swc), cache_dir=str(tmp_path / "cache"), ncomp=1)
    assert len(list((tmp_path / "cache" / FOLDER).glob("*.pkl"))) == 2


def test_entries_are_read_back_and_bad_ones_replaced(tmp_path, caplog):
    swc = tmp_path / "cell.swc"
    swc.write_text(SWC)
    cache = str(tmp_path / "cache")
    read_swc_cached(str(swc), cache_dir=cache, ncomp=2)
    (entry,) = (tmp_path / "cache" / FOLDER).glob("*.pkl")
    entry.write_bytes(pickle.dumps(tiny_cell()))  # the cache, not the file, answers
    assert len(read_swc_cached(str(swc), cache_dir=cache, ncomp=2).nodes) == len(tiny_cell().nodes)
    for bad in (b"", b"not a pickle", pickle.dumps({"a": 1})[:-3], pickle.dumps([1, 2])):
        entry.write_bytes(bad)
        with caplog.at_level("WARNING", logger="compneurovis.jaxley"):
            cell = read_swc_cached(str(swc), cache_dir=cache, ncomp=2)
        assert "ignoring the cached cell" in caplog.text
        caplog.clear()
        assert len(cell.nodes) == 2 * len(cell.xyzr)  # read from the file again
        assert pickle.loads(entry.read_bytes()).nodes.equals(cell.nodes)  # and the entry rewritten


def test_without_a_cache_directory_it_is_read_swc(tmp_path):
    swc = tmp_path / "cell.swc"
    swc.write_text(SWC)
    before = jax.config.jax_compilation_cache_dir
    jax.config.update("jax_compilation_cache_dir", None)
    try:
        cell = read_swc_cached(str(swc), ncomp=2)
    finally:
        jax.config.update("jax_compilation_cache_dir", before)
    pd.testing.assert_frame_equal(cell.nodes, jx.read_swc(str(swc), ncomp=2).nodes)
    assert not any(tmp_path.rglob("*.pkl"))
    with pytest.raises(FileNotFoundError):
        read_swc_cached(str(tmp_path / "missing.swc"), cache_dir=str(tmp_path), ncomp=2)
