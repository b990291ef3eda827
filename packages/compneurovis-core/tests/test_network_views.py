"""Path distances, spike fields, category fields and the space plot, kymograph and raster specs."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compneurovis.core import (
    FieldAppend,
    FieldReplace,
    KymographViewSpec,
    MorphologyGeometry,
    Scene,
    SceneError,
    ScenePatch,
    SpacePlotViewSpec,
    SpikeRasterViewSpec,
    UpdateCoalescer,
    category_field,
    cell_field,
    decode,
    default_path,
    encode,
    entity_path,
    path_distances,
    section_type_field,
    spike_append,
    spike_field,
    spikes_by_cell,
    threshold_crossings,
)


def tree(parent, length, attach=None, cells=None, sections=None) -> MorphologyGeometry:
    n = len(parent)
    return MorphologyGeometry(
        id="morphology", entity_ids=[f"e{i}" for i in range(n)], cell_names=cells or ["c"] * n,
        section_names=sections or ["dend"] * n, xloc=np.full(n, 0.5), start=np.zeros((n, 3)),
        end=np.ones((n, 3)), radius=np.ones(n), length=length, parent=parent, attach_offset=attach)


def brute_force(geometry: MorphologyGeometry, a: int, b: int) -> float:
    """Distance between centres through explicit points: each entity a segment [start, end] on a line."""
    # place every entity as an interval of its own 1-D "section coordinate", then walk point to point
    def up(e):  # [(entity, offset from its centre where the path is)] from e's centre up to the root
        out = [(e, 0.0)]
        while geometry.parent[e] >= 0:
            out.append((int(geometry.parent[e]), float(geometry.attach_offset[e])))
            e = int(geometry.parent[e])
        return out
    pa, pb = up(a), up(b)
    ea = {e: k for k, (e, _) in enumerate(pa)}
    kb = next(k for k, (e, _) in enumerate(pb) if e in ea)
    lca = pb[kb][0]
    ka = ea[lca]
    def climb(path, k):  # length from the centre of path[0] to the point on path[k]
        total = 0.0
        for j in range(k):
            e, offset = path[j]
            # from where we are on e (offset) to e's start, then nothing: the start is the attach point
            total += offset + geometry.length[e] / 2
        return total
    return climb(pa, ka) + climb(pb, kb) + abs(pa[ka][1] - pb[kb][1])


def test_sibling_branches_meet_at_their_attach_point_not_the_parent_centre():
    # soma (length 10) with two children at its end (offset +5) and one at its start (offset -5)
    g = tree([-1, 0, 0, 0], [10.0, 4.0, 6.0, 2.0], attach=[0.0, 5.0, 5.0, -5.0])
    d = path_distances(g, 1)
    np.testing.assert_allclose(d, [2 + 5, 0, 2 + 3, 2 + 10 + 1])
    np.testing.assert_allclose(path_distances(g, "e0"), [0, 7, 8, 6])


def test_default_attach_is_the_parent_end():
    g = tree([-1, 0, 1], [2.0, 2.0, 4.0])
    np.testing.assert_allclose(path_distances(g, 0), [0, 2, 5])
    assert list(entity_path(g, 2, 0)) == [2, 1, 0]


def test_path_between_cells_is_a_scene_error():
    g = tree([-1, 0, -1, 2], [1.0] * 4, cells=["a", "a", "b", "b"])
    with pytest.raises(SceneError, match=r"'e1' \(cell 'a'\) and 'e3' \(cell 'b'\).*not in the same cell"):
        entity_path(g, "e1", "e3")
    assert np.isnan(path_distances(g, 0)[2:]).all()
    with pytest.raises(SceneError, match="no entity 'nope'"):
        path_distances(g, "nope")


def test_default_path_runs_from_soma_centre_to_farthest_tip():
    sections = ["soma", "soma", "soma", "dend", "dend", "apic"]
    g = tree([-1, 0, 1, 2, 3, 0], [1.0, 1.0, 1.0, 5.0, 5.0, 3.0], sections=sections)
    assert default_path(g) == ("e1", "e4")


@st.composite
def random_trees(draw):
    n = draw(st.integers(1, 25))
    parent = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    length = draw(st.lists(st.floats(0.1, 50.0), min_size=n, max_size=n))
    attach = [0.0] + [draw(st.floats(-0.5, 0.5)) * length[parent[i]] for i in range(1, n)]
    order = draw(st.permutations(range(n)))  # rows in any order, parents not necessarily first
    where = {old: new for new, old in enumerate(order)}
    return tree([where[parent[o]] if parent[o] >= 0 else -1 for o in order], [length[o] for o in order],
                attach=[attach[o] for o in order]), draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))


@settings(max_examples=200, deadline=None)
@given(random_trees())
def test_path_distance_equals_a_point_by_point_walk(case):
    g, a, b = case
    assert path_distances(g, a)[b] == pytest.approx(brute_force(g, a, b), rel=1e-9, abs=1e-9)
    path = entity_path(g, a, b)
    assert path[0] == a and path[-1] == b and len(set(path.tolist())) == len(path)
    assert all(g.parent[x] == y or g.parent[y] == x for x, y in itertools.pairwise(path))


def test_spike_field_appends_bounded_and_splits_by_cell():
    f = spike_field(["a", "b", "c"], populations=["exc", "exc", "inh"])
    scene = Scene(fields=[f])
    scene.apply(spike_append(np.array([3.0, 1.0]), np.array([2, 0]), max_length=3))
    scene.apply(spike_append(np.array([4.0, 5.0]), np.array([0, 1]), max_length=3))
    got = scene.fields["spikes"]
    assert got.values.tolist() == [3.0, 4.0, 5.0]  # the oldest (t = 1) dropped
    assert [s.tolist() for s in spikes_by_cell(got)] == [[4.0], [5.0], [3.0]]
    with pytest.raises(SceneError, match="cell index out of range"):
        spike_field(["a"], times=[1.0], cell_index=[1])


def test_spike_appends_coalesce_into_one():
    f = spike_field(["a", "b"])
    scene = Scene(fields=[f])
    from compneurovis.core import SceneReady
    updates = [SceneReady(scene=scene), spike_append([1.0], [0]), spike_append([2.0, 2.5], [1, 0])]
    out = UpdateCoalescer().coalesce(updates)
    assert len(out) == 2 and out[1].values.tolist() == [1.0, 2.0, 2.5] and out[1].coord_values.tolist() == [0, 1, 0]


def test_threshold_crossings_are_upward_only_and_carry_state():
    times = np.array([0.0, 1.0, 2.0, 3.0])
    v = np.array([[-70, 20], [20, 30], [30, -70], [-70, 20]], dtype=float)
    t, cell, above = threshold_crossings(times, v, 10.0, previous=np.array([False, True]))
    assert t.tolist() == [1.0, 3.0] and cell.tolist() == [0, 1] and above.tolist() == [False, True]


def test_category_fields_from_sections_and_cells():
    g = tree([-1, 0, 1, 0], [1.0] * 4, cells=["x", "x", "y", "y"], sections=["soma", "dend[0]", "apic[2]", "axon"])
    f = section_type_field(g)
    assert f.attrs["categories"] == ["soma", "axon", "basal", "apical"]
    assert [f.attrs["categories"][k] for k in f.values] == ["soma", "basal", "apical", "axon"]
    assert cell_field(g).values.tolist() == [0, 0, 1, 1]
    with pytest.raises(SceneError, match=r"label\(s\) \['z'\] are not among"):
        category_field("c", ["z"], categories=["a"])


def _scene(views=(), extra=()):
    g = tree([-1, 0, 1, 0], [2.0] * 4, sections=["soma", "dend", "dend", "axon"])
    fields = [
        *extra,
        spike_field(["c0", "c1"]),
        category_field("kind", ["soma", "dend", "dend", "axon"]),
    ]
    from compneurovis.core import Field
    fields.append(Field("v", np.arange(4.0), ("segment",)))
    fields.append(Field("h", np.zeros((4, 2)), ("segment", "time"), {"segment": np.array(g.entity_ids),
                                                                     "time": np.array([0.0, 1.0])}))
    return Scene(fields=fields, geometries=[g], views=list(views))


@pytest.mark.parametrize(("view", "message"), [
    (SpacePlotViewSpec(id="sp", geometry_id="morphology", field_id="missing"),
     "view 'sp' points at missing field 'missing'"),
    (SpacePlotViewSpec(id="sp", geometry_id="morphology", field_id="h"),
     r"view 'sp': field 'h' has dims \('segment', 'time'\) and shape \(4, 2\), expected \('segment',\) and \(4,\)"),
    (SpacePlotViewSpec(id="sp", geometry_id="morphology", field_id="v", start="e0", end="zz"),
     "view 'sp': .*no entity 'zz'"),
    (KymographViewSpec(id="ky", geometry_id="morphology", field_id="spikes"),
     r"view 'ky': field 'spikes' has dims \('spike',\), expected \('segment',\) or \('segment', 'time'\)"),
    (SpikeRasterViewSpec(id="r", field_id="nope"), "view 'r' points at missing field 'nope'"),
    (SpikeRasterViewSpec(id="r", field_id="v"), r"view 'r': field 'v' has dims \('segment',\), expected \('spike',\)"),
])
def test_bad_views_name_view_field_and_dims(view, message):
    with pytest.raises(SceneError, match=message):
        _scene([view])


def test_good_views_validate_round_trip_and_report_their_fields():
    views = [SpacePlotViewSpec(id="sp", geometry_id="morphology", field_id="v"),
             KymographViewSpec(id="ky", geometry_id="morphology", field_id="h", end="e2"),
             KymographViewSpec(id="ky2", geometry_id="morphology", field_id="v"),
             SpikeRasterViewSpec(id="r", field_id="spikes")]  # an empty raster is fine
    scene = _scene(views)
    assert [v.field_ids() for v in views] == [("v",), ("h",), ("v",), ("spikes",)]
    rows, distance = views[0].path(scene.geometries["morphology"])
    assert rows.tolist() == [0, 1, 2] and distance.tolist() == [0.0, 2.0, 4.0]
    back = decode(encode(scene))
    assert back.views == scene.views
    assert back.fields["spikes"].attrs == scene.fields["spikes"].attrs


def test_field_update_that_breaks_a_new_view_is_rejected_and_nothing_lost():
    scene = _scene([SpacePlotViewSpec(id="sp", geometry_id="morphology", field_id="v")])
    with pytest.raises(SceneError, match="view 'sp'"):
        scene.apply(FieldReplace(field_id="v", values=np.zeros(3)))
    assert scene.fields["v"].values.tolist() == [0, 1, 2, 3]
    with pytest.raises(SceneError, match="view 'r'"):
        raster = _scene([SpikeRasterViewSpec(id="r", field_id="spikes")])
        raster.apply(FieldAppend(field_id="spikes", append_dim="spike", values=np.array([1.0]),
                                 coord_values=np.array([5])))
    assert raster.fields["spikes"].values.size == 0


def test_morphology_can_switch_to_categories_and_bad_category_fields_are_named():
    from compneurovis.core import MorphologyViewSpec
    view = MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="v", category_field_id="kind")
    scene = _scene([view])
    scene.apply(ScenePatch(views={"m": {"color_by": "category"}}))
    assert scene.views["m"].color_by == "category"
    with pytest.raises(SceneError, match="color_by is 'nonsense'"):
        scene.apply(ScenePatch(views={"m": {"color_by": "nonsense"}}))
    with pytest.raises(SceneError, match=r"category field 'v' has float64 values"):
        _scene([dataclasses.replace(view, category_field_id="v")])
    with pytest.raises(SceneError, match="color_by 'category' needs a category_field_id"):
        _scene([dataclasses.replace(view, category_field_id=None, color_by="category")])


def test_a_display_frame_validates_again_only_the_views_that_check_its_values(monkeypatch):
    from compneurovis.core import DisplayFrame, MorphologyViewSpec, SegmentMark
    # a network's thousands of marks were checked at every frame (17 % of the window's time on the ring)
    view = MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="v", category_field_id="kind",
                              marks=[SegmentMark(entity_id="e1", label="syn", kind="synapse")])
    scene = _scene([view, SpacePlotViewSpec(id="sp", geometry_id="morphology", field_id="v")])
    checked = []
    for kind in (MorphologyViewSpec, SpacePlotViewSpec):
        monkeypatch.setattr(kind, "validate", lambda self, s, _v=kind.validate: checked.append(self.id) or _v(self, s))
    scene.apply(DisplayFrame(field_id="v", values=np.array([5.0, 6.0, 7.0, 8.0])))
    assert checked == [] and scene.fields["v"].values.tolist() == [5, 6, 7, 8]
    scene.apply(DisplayFrame(field_id="kind", values=np.array([2, 1, 0, 1], dtype=np.int32)))
    assert checked == ["m"]  # category indices are values the view checks
    with pytest.raises(SceneError, match=r"category index out of range"):
        scene.apply(DisplayFrame(field_id="kind", values=np.array([9, 1, 0, 1], dtype=np.int32)))
    assert scene.fields["kind"].values.tolist() == [2, 1, 0, 1]
    scene.apply(FieldReplace(field_id="v", values=np.zeros(4)))  # a replacement may change the structure
    assert checked[-2:] == ["m", "sp"]


def test_a_view_kind_that_does_not_say_which_values_it_checks_is_validated_at_every_frame():
    from compneurovis.core import DisplayFrame, ViewSpec

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class PositiveBars(ViewSpec):  # a third-party kind: its validate reads the values
        id: str
        field_id: str
        max_refresh_hz: float = 30.0

        def field_ids(self):
            return (self.field_id,)

        def validate(self, scene):
            super().validate(scene)
            if (scene.fields[self.field_id].values < 0).any():
                raise SceneError(f"view {self.id!r}: negative bar")

    scene = _scene([PositiveBars(id="bars", field_id="v")])
    with pytest.raises(SceneError, match="negative bar"):
        scene.apply(DisplayFrame(field_id="v", values=np.array([1.0, -1.0, 0.0, 0.0])))
    assert scene.fields["v"].values.tolist() == [0, 1, 2, 3]


_junk = st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=5),
                  st.lists(st.one_of(st.text(max_size=3), st.integers(-2, 5)), max_size=4))


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.floats(allow_nan=True), max_size=6), index=st.lists(st.integers(-3, 6), max_size=6),
       cells=_junk, populations=_junk, dims=st.sampled_from([("spike",), ("segment",), ("spike", "x")]))
def test_fuzzed_spike_fields_are_accepted_or_named_never_crash(values, index, cells, populations, dims):
    from compneurovis.core import Field, check_spike_field

    try:
        shape = (len(values),) if len(dims) == 1 else (len(values), 1)
        coords = {"spike": np.asarray(index[:len(values)] + [0] * (len(values) - len(index)))} \
            if dims[0] == "spike" else {}
        f = Field("s", np.asarray(values, dtype=float).reshape(shape), dims, coords, None,
                  {"cells": cells, "populations": populations})
        check_spike_field(f, "r")
        _scene([SpikeRasterViewSpec(id="r", field_id="s")], extra=[f])
    except SceneError as exc:
        assert "'s'" in str(exc) or "view 'r'" in str(exc)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.integers(-3, 6), max_size=6), names=_junk, colors=_junk,
       dtype=st.sampled_from([np.int32, np.float64, np.uint8]), by=st.sampled_from(["field", "category", "x"]))
def test_fuzzed_category_fields_are_accepted_or_named_never_crash(values, names, colors, dtype, by):
    from compneurovis.core import Field, MorphologyViewSpec

    try:
        f = Field("kinds", np.asarray(values).astype(dtype), ("segment",), {}, None,
                  {"categories": names, "colors": colors})
        view = MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="v",
                                  category_field_id="kinds", color_by=by)
        _scene([view], extra=[f])
    except SceneError as exc:
        assert "'kinds'" in str(exc) or "view 'm'" in str(exc)


@settings(max_examples=100, deadline=None)
@given(start=st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["e0", "e1", "e2", "e3"])),
       end=st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["e0", "e1", "e2", "e3"])))
def test_fuzzed_path_ends_are_accepted_or_named(start, end):
    try:
        _scene([SpacePlotViewSpec(id="sp", geometry_id="morphology", field_id="v", start=start, end=end),
                KymographViewSpec(id="ky", geometry_id="morphology", field_id="v", start=start, end=end)])
    except SceneError as exc:
        assert "view 'sp'" in str(exc) or "view 'ky'" in str(exc)


@pytest.mark.parametrize(("view", "message"), [
    (KymographViewSpec(id="ky", geometry_id="morphology", field_id="v", time_window="10"),  # type: ignore[arg-type]
     "view 'ky': time_window must be a finite number > 0, got '10'"),
    (KymographViewSpec(id="ky", geometry_id="morphology", field_id="v", color_limits=(5.0, 1.0)),
     "view 'ky': color_limits must be None or finite"),
    (SpacePlotViewSpec(id="sp", geometry_id="morphology", field_id="v", y_limits=(0.0, float("nan"))),
     "view 'sp': y_limits must be None or finite"),
    (SpikeRasterViewSpec(id="r", field_id="spikes", rolling_window=-1.0),
     "view 'r': rolling_window must be None or a finite number > 0"),
])
def test_bad_view_settings_are_named(view, message):
    with pytest.raises(SceneError, match=message):
        _scene([view])
