"""Colour maps by name, from the cmap package alone (no Qt, no pyqtgraph)."""

from __future__ import annotations

import numpy as np
import pytest
from cmap import Colormap

from compneurovis.vtk import ALIASES, color_table, is_color_map, make_lookup_table, map_colors


@pytest.mark.parametrize("name", ["scalar", "voltage", "diverging", "gray", "CET-R3", "CET-D1A", "CET-L17",
                                  "CET-C2s", "viridis", "viridis_r", "RdBu_r", "colorcet:fire"])
def test_names_users_type_are_colour_maps(name):
    assert is_color_map(name)
    table = color_table(name, 64)
    assert table.shape == (64, 3) and (table >= 0).all() and (table <= 1).all()


def test_aliases_and_short_colorcet_names_are_colorcets_own_tables():
    for alias, target in ALIASES.items():
        assert np.array_equal(color_table(alias), color_table(target))
    colorcet = np.asarray(Colormap("colorcet:CET_R3").lut(256))[:, :3]
    assert np.allclose(color_table("CET-R3"), colorcet)
    assert np.allclose(color_table("viridis_r"), color_table("viridis")[::-1], atol=2 / 255)


def test_a_shifted_cyclic_map_starts_a_quarter_turn_into_its_cycle():
    base, shifted = color_table("CET-C1", 256), color_table("CET-C1s", 256)
    assert np.allclose(shifted[64], base[0]) and np.allclose(shifted[0], base[192])
    assert not np.allclose(shifted, base)


@pytest.mark.parametrize("name", ["no-such-map", "", "PAL-relaxed", "CET-X9"])
def test_an_unknown_name_is_not_a_map_and_draws_as_scalar(name):
    assert not is_color_map(name)
    assert np.array_equal(color_table(name), color_table("scalar"))


def test_the_lookup_table_and_the_numpy_mapping_agree_and_nan_is_grey():
    lut = make_lookup_table("viridis", (-1.0, 1.0))
    values = np.array([-1.0, -0.3, 0.4, 1.0, np.nan])
    ours = map_colors("viridis", values, (-1.0, 1.0))
    for value, colour in zip(values, ours, strict=True):
        rgb = [0.0, 0.0, 0.0]
        lut.GetColor(value, rgb)
        assert np.allclose(rgb, colour, atol=1.5 / 255), (value, rgb, colour)
