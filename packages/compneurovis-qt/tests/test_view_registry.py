"""Views plug in by spec type; a view whose drawing fails is shown once and stops, the rest draw on."""

import dataclasses
import time
import tracemalloc

import numpy as np
import pyqtgraph as pg
import pytest
from cnv_qt_scenes import make_scene

from compneurovis.core import (
    DEFAULT_MAX_REFRESH_HZ,
    Field,
    FieldReplace,
    LayoutSpec,
    LinePlotViewSpec,
    MorphologyViewSpec,
    PanelSpec,
    Scene,
    SceneReady,
    SurfaceViewSpec,
    ViewSpec,
)
from compneurovis.qt import (
    CompNeuroVisWindow,
    LinePlotDrawing,
    MorphologyDrawing,
    RenderScheduler,
    SurfaceDrawing,
    ViewDrawing,
    drawing_class,
    register_view,
)
from compneurovis.qt._trace_plot import MAX_CURVES, TracePlot


@dataclasses.dataclass(frozen=True, kw_only=True)
class LevelViewSpec(ViewSpec):
    """Test view kind: the mean of a per-entity field as one bar; it cannot show a mean below ``floor``."""

    id: str
    field_id: str
    floor: float = -100.0
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ

    def field_ids(self) -> tuple[str, ...]:
        return (self.field_id,)


@register_view(LevelViewSpec)
class LevelDrawing(ViewDrawing[LevelViewSpec]):
    def __init__(self, spec: LevelViewSpec, scene: Scene, context) -> None:
        super().__init__(spec, scene, context)
        self.widget = pg.PlotWidget()
        self.bar = pg.BarGraphItem(x=[0.0], height=[0.0], width=0.8)
        self.widget.addItem(self.bar)
        self.mean = 0.0

    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        self.mean = float(np.mean(scene.fields[self.spec.field_id].values))

    def draw(self) -> None:
        if self.mean < self.spec.floor:
            raise ValueError(f"mean {self.mean} below the floor {self.spec.floor}")
        self.bar.setOpts(height=[self.mean])


def _scene_with_level() -> Scene:
    base = make_scene()
    return Scene(fields=base.fields, geometries=base.geometries,
                 views={**base.views, "level": LevelViewSpec(id="level", field_id="display")},
                 controls=base.controls, actions=base.actions,
                 panels={**base.panels, "plevel": PanelSpec(id="plevel", kind="line_plot", view_ids=("level",))},
                 layout=LayoutSpec(columns=(("p3d",), ("ptrace", "plevel", "pctl"))), title="with level")


@pytest.fixture
def level_window(qtbot):
    """A window with the plug-in view beside the built-in ones (held until teardown closes it)."""
    win = CompNeuroVisWindow(_scene_with_level())
    qtbot.addWidget(win)
    win.resize(900, 600)
    win.show()
    return win


def test_each_view_is_drawn_by_the_class_registered_for_its_spec(window):
    assert drawing_class(MorphologyViewSpec) is MorphologyDrawing
    assert drawing_class(LinePlotViewSpec) is LinePlotDrawing
    assert drawing_class(SurfaceViewSpec) is SurfaceDrawing
    assert type(window.views["m"]) is MorphologyDrawing and type(window.views["t"]) is LinePlotDrawing

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class TallerLevel(LevelViewSpec):
        pass

    assert drawing_class(TallerLevel) is LevelDrawing  # a subclass uses its base's drawing


def test_a_plug_in_view_draws_in_the_window(level_window):
    win = level_window
    assert "level" in win.render_due(force=True)
    win.apply_updates([FieldReplace(field_id="display", values=np.full(5, -30.0, np.float32))])
    win.render_due(force=True)
    assert win.views["level"].bar.opts["height"] == [-30.0]
    assert win.views["level"].widget.isVisible()


def test_a_view_that_fails_to_draw_is_shown_once_and_the_others_draw_on(level_window):
    win = level_window
    win.pacer.budget, win.pacer.max_busy = 10.0, 100.0  # however slow this machine draws
    win.render_due(force=True)
    counts = dict(win.render_counts)
    base = time.monotonic() + 10.0
    for k in range(60):  # 60 frames the level view cannot draw: one banner, not 60 tracebacks
        bad = np.full(5, -200.0 - k, np.float32)
        win.apply_updates([FieldReplace(field_id="display", values=bad)])
        win.render_due(now=base + k * 0.05)
    assert win.error_banner.isVisible() and win.error_banner.count == 1
    assert "view 'level' stopped drawing: ValueError: mean -200.0 below the floor" in win.error_banner.message
    assert "Traceback" in win.error_banner.details.toPlainText()
    assert set(win.failed_views()) == {"level"}
    assert win.render_counts["level"] == counts["level"]  # stopped
    assert win.render_counts["m"] == counts["m"] + 60  # the morphology drew on, every frame
    np.testing.assert_array_equal(win.views["m"].renderer.values, bad)
    assert win.views["level"].bar.opts["height"] == [float(np.mean(np.linspace(-60.0, 20.0, 5)))]  # kept
    win.apply_updates([FieldReplace(field_id="display", values=np.full(5, -10.0, np.float32))])  # fixes it
    assert "level" in win.render_due(now=base + 10.0)
    assert win.failed_views() == {} and win.views["level"].bar.opts["height"] == [-10.0]
    assert win.error_banner.count == 1
    win.apply_updates([FieldReplace(field_id="display", values=np.full(5, -500.0, np.float32))])
    win.render_due(now=base + 11.0)
    assert win.error_banner.count == 2  # a new failure after a good draw is news
    win.apply_updates([SceneReady(scene=_scene_with_level())])  # a new Scene: a new start
    assert win.failed_views() == {} and "level" in win.render_due(force=True)


def test_a_bad_update_is_refused_once_at_apply_not_drawn_per_frame(window):
    strings = FieldReplace(field_id="display", values=np.array(["x"] * 5))
    window.apply_updates([strings])
    assert window.error_banner.count == 1 and "dtype" in window.error_banner.message
    assert window.scene.fields["display"].values.dtype == np.float32
    for _ in range(20):
        window.mark_dirty()
        window.render_due(force=True)
    assert window.error_banner.count == 1 and window.failed_views() == {}


def test_trace_plots_convert_only_the_curves_they_draw(qtbot):
    n_series, n_time = 3000, 4000  # 48 MB of float32; all of it as float64 would be 96 MB
    keys = np.array([f"s{i}" for i in range(n_series)])
    values = np.arange(n_series * n_time, dtype=np.float32).reshape(n_time, n_series) % 97
    history = Field("h", values, ("time", "segment"), {"time": np.arange(n_time) * 0.1, "segment": keys})
    plot = TracePlot(LinePlotViewSpec(id="p", field_id="h"))
    qtbot.addWidget(plot)
    preferred = ["s2999", "s7", "nope", "s7"]
    tracemalloc.start()
    try:
        plot.update_from(history, None, preferred=preferred)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert list(plot.curves)[:2] == ["s2999", "s7"] and len(plot.curves) == MAX_CURVES
    assert peak < 8 * MAX_CURVES * n_time * 4  # a few copies of the drawn curves, never the whole field
    _, y = plot.curves["s2999"].getData()
    np.testing.assert_array_equal(y, values[:, 2999].astype(np.float64))
    np.testing.assert_array_equal(plot.curves["s0"].getData()[1], values[:, 0])


def test_the_render_scheduler_needs_no_qt():
    scheduler = RenderScheduler()
    drawn: list[str] = []
    scheduler.mark(["a", "b"])
    scheduler.suspend("b")
    assert scheduler.run({"a": 10.0, "b": 10.0}, lambda v: drawn.append(v) or True, now=100.0) == ["a"]
    scheduler.mark(["a", "b"])
    assert scheduler.run({"a": 10.0, "b": 10.0}, lambda v: drawn.append(v) or True, now=100.05) == []  # capped
    scheduler.resume(["b"])
    # b, never drawn, is the most overdue: it goes first
    assert scheduler.run({"a": 10.0, "b": 10.0}, lambda v: drawn.append(v) or True, now=100.15) == ["b", "a"]
    assert scheduler.counts == {"a": 2, "b": 1} and drawn == ["a", "b", "a"]
    scheduler.mark(["a"])
    assert scheduler.run({"a": 0.0}, lambda v: False, now=101.0) == []  # a failed draw is not counted
    assert scheduler.counts["a"] == 2
