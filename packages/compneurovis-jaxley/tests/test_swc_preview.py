"""The SWC preview: the file's own points, as Jaxley reads them, before Jaxley builds the cell."""

from __future__ import annotations

import jaxley as jx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compneurovis.jaxley import SWC_PREVIEW_STATUS, swc_preview_scene
from compneurovis.jaxley.examples.swc_cell import SwcCellSession, swc_path


def test_the_preview_is_drawn_on_the_points_of_jaxleys_own_cell():
    scene = swc_preview_scene(swc_path(), title="CA1", cell_name="ca1")
    geometry = scene.geometries["morphology"]
    cell = jx.read_swc(swc_path(), ncomp=2)
    jaxley_points = np.vstack([np.asarray(branch)[:, :3] for branch in cell.xyzr])
    ours = np.vstack([geometry.start, geometry.end])
    # every tube runs between two of the 3-D points Jaxley cuts the compartments from
    distance = np.min(np.linalg.norm(ours[:, None, :] - jaxley_points[None, :, :], axis=2), axis=1)
    assert distance.max() < 1e-6
    np.testing.assert_allclose(np.vstack(geometry.bounds()), np.vstack([jaxley_points.min(0), jaxley_points.max(0)]))
    points = np.loadtxt(swc_path(), comments="#")
    assert geometry.n_entities == int(np.sum(points[:, 6] >= 0))  # one tube per point with a parent
    assert set(geometry.section_names) == {"soma", "basal", "apical"}
    # nothing is simulated yet: grey (NaN) everywhere, on the demo's voltage scale, and the status says why
    values = scene.fields[scene.views["morphology"].color_field_id].values
    assert values.shape == (geometry.n_entities,) and np.isnan(values).all()
    assert scene.views["morphology"].color_limits == (-80.0, 40.0)
    assert scene.status == SWC_PREVIEW_STATUS and scene.title == "CA1"


def test_the_swc_demo_offers_it_with_its_own_title():
    scene = SwcCellSession.preview_scene()
    assert scene.title == "Jaxley: CA1 cell from SWC"
    assert set(scene.geometries["morphology"].cell_names) == {"ca1"}


@pytest.mark.parametrize("name, text", [("one_point.swc", "1 1 0 0 0 5 -1\n"),
                                        ("two_roots.swc", "1 1 0 0 0 5 -1\n2 1 20 0 0 5 -1\n")])
def test_a_file_with_no_tube_to_draw_is_named(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError, match=f"{name}: (Jaxley's SWC reader failed|no SWC point has a parent)"):
        swc_preview_scene(path)


_NUMBER = st.one_of(st.integers(-5, 40), st.floats(allow_nan=True, allow_infinity=True, width=32))
_LINE = st.one_of(
    st.lists(_NUMBER, min_size=7, max_size=7).map(lambda row: " ".join(str(v) for v in row)),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)


@st.composite
def _tree(draw):
    """A well-formed SWC tree (each point's parent listed before it), sometimes with one line broken."""
    n = draw(st.integers(1, 12))
    coordinate = st.floats(-500, 500, allow_nan=False, width=32)
    lines = [f"{i + 1} {draw(st.integers(1, 4))} {draw(coordinate)} {draw(coordinate)} {draw(coordinate)} "
             f"{draw(st.floats(0, 20, allow_nan=False, width=32))} {draw(st.integers(1, i)) if i else -1}"
             for i in range(n)]
    if draw(st.booleans()):
        lines[draw(st.integers(0, n - 1))] = draw(_LINE)
    return lines


@given(lines=st.one_of(_tree(), st.lists(_LINE, max_size=12)), header=st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_swc_text_is_a_scene_or_a_value_error_naming_the_file(tmp_path, lines, header):
    """Jaxley's parser is pure Python (no crash can take the runner down): fuzzed in process."""
    path = tmp_path / "fuzzed.swc"
    path.write_text(("# fuzzed\n" if header else "") + "\n".join(lines) + "\n", encoding="utf-8")
    try:
        scene = swc_preview_scene(path)
    except ValueError as exc:
        assert "fuzzed.swc" in str(exc)
        return
    geometry = scene.geometries["morphology"]
    assert geometry.n_entities >= 1 and scene.status == SWC_PREVIEW_STATUS
    assert np.isnan(scene.fields[scene.views["morphology"].color_field_id].values).all()
