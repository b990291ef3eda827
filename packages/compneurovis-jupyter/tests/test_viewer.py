import threading
import time

import numpy as np
import pytest

from compneurovis.core import RemoteError, SceneError, SessionServer
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable
from compneurovis.jupyter import ThreadTransport, Viewer, make_source, show
from compneurovis.vtk import map_colors


def _until(viewer, condition, timeout=10.0):
    for _ in range(int(timeout / 0.1)):
        if condition():
            return True
        viewer.wait(0.1)
    return condition()


def _scene():
    session = FitzHughNagumoCable()
    scene = session.initialize()
    session.shutdown()
    return scene


def test_static_scene_pixels_have_the_colour_of_their_value():
    scene = _scene()
    view = next(v for v in scene.views.values() if type(v).__name__ == "MorphologyViewSpec")
    geometry = scene.geometries[view.geometry_id]
    values = np.linspace(-2.0, 2.0, geometry.n_entities).astype(np.float32)
    scene.fields[view.color_field_id].values[:] = values
    viewer = show(scene, width=640, height=400)
    image = viewer.screenshot()
    assert image.shape == (400, 640, 3) and image.dtype == np.uint8
    drawing = viewer.drawing
    expected = map_colors(view.color_map, values, drawing.view.limits) * 255
    xy = drawing.to_image(geometry.centers)
    checked = 0
    for i in range(0, geometry.n_entities, 7):
        x, y = xy[i]
        if drawing.pick(x, y) != i:
            continue
        pixel = image[round(y), round(x)].astype(float)
        distances = np.abs(expected - pixel).max(axis=1)
        assert distances[i] < 60, (i, pixel, expected[i])
        checked += 1
    assert checked >= 5
    bundle = viewer._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "application/vnd.jupyter.widget-view+json" in data
    viewer.close()


class _SlowStart(FitzHughNagumoCable):
    """A session that shows a preview Scene (with a status line) while its own initialize() takes a while."""

    @classmethod
    def startup_scene(cls):
        scene = _scene()
        scene.status = "starting: the model is being built"
        return scene

    def initialize(self):
        time.sleep(1.0)
        return super().initialize()


def test_a_scene_status_shows_under_the_view_and_the_sessions_own_scene_clears_it():
    viewer = show(_SlowStart, process=False)
    try:
        assert _until(viewer, lambda: viewer.scene is not None)
        assert viewer.status == "starting: the model is being built"
        assert "the model is being built" in viewer.status_html.value
        assert _until(viewer, lambda: viewer.sim_time is not None and viewer.sim_time > 0)
        assert viewer.status == "" and "starting" not in viewer.status_html.value
    finally:
        viewer.close()


def test_mouse_orbits_zooms_pans_and_a_click_traces_the_segment_under_it():
    viewer = show(FitzHughNagumoCable, process=False, width=500, height=300)
    viewer.wait_for_scene()
    canvas, drawing = viewer.canvas, viewer.drawing
    geometry = drawing.geometry
    camera = drawing.view.renderer.GetActiveCamera()
    before = np.array(camera.GetPosition())
    canvas.handle_event({"type": "pointer_down", "x": 100, "y": 100, "button": 1, "modifiers": ()})
    canvas.handle_event({"type": "pointer_move", "x": 160, "y": 120, "button": 1, "modifiers": ()})
    assert canvas.dragging and canvas.quality < 80
    small = canvas.get_frame()
    assert small.shape == (150, 250, 3)  # half resolution while dragging
    canvas.handle_event({"type": "pointer_up", "x": 160, "y": 120, "button": 1, "modifiers": ()})
    assert not canvas.dragging and canvas.get_frame().shape == (300, 500, 3)
    assert np.linalg.norm(np.array(camera.GetPosition()) - before) > 1.0
    distance = camera.GetDistance()
    canvas.handle_event({"type": "wheel", "x": 10, "y": 10, "dx": 0, "dy": -300})
    assert camera.GetDistance() < distance
    drawing.reset_camera()
    focal = np.array(camera.GetFocalPoint())
    canvas.handle_event({"type": "pointer_down", "x": 50, "y": 50, "button": 2, "modifiers": ()})
    canvas.handle_event({"type": "pointer_move", "x": 90, "y": 50, "button": 2, "modifiers": ()})
    canvas.handle_event({"type": "pointer_up", "x": 90, "y": 50, "button": 2, "modifiers": ()})
    assert np.linalg.norm(np.array(camera.GetFocalPoint()) - focal) > 0.1
    assert viewer.traced == []
    drawing.reset_camera()
    canvas.get_frame()
    target = 12
    x, y = drawing.to_image(geometry.centers[target:target + 1])[0]
    canvas.handle_event({"type": "pointer_down", "x": x, "y": y, "button": 1, "modifiers": ()})
    canvas.handle_event({"type": "pointer_up", "x": x, "y": y, "button": 1, "modifiers": ()})
    assert viewer.traced == [geometry.entity_ids[target]]
    assert drawing.view.selected == target
    history = viewer.trace.spec.field_id
    def traced():
        coords = viewer.scene.fields[history].coords[viewer.trace.spec.series_dim]
        return [str(c) for c in coords]

    for _ in range(50):
        viewer.wait(0.1)
        if geometry.entity_ids[target] in traced():
            break
    assert geometry.entity_ids[target] in traced()
    assert viewer.trace.n_series >= 1 and viewer.trace.draws >= 2
    viewer.close()


def test_set_control_reaches_the_session_in_a_kernel_thread_and_close_ends_it():
    viewer = show(FitzHughNagumoCable, process=False)
    assert isinstance(viewer.source, ThreadTransport)
    viewer.wait_for_scene()
    viewer.wait(0.5)
    display = viewer.drawing.spec.color_field_id
    quiet = viewer.scene.fields[display].values.copy()
    viewer.set_control("stimulus", 1.0)
    assert viewer.scene.state["stimulus"] == 1.0
    assert viewer.controls.controls["stimulus"].value == viewer.scene.state["stimulus"]
    assert _until(viewer, lambda: not np.allclose(viewer.scene.fields[display].values, quiet))
    with pytest.raises(KeyError, match="stimulus"):
        viewer.set_control("nope", 1)
    with pytest.raises(SceneError, match="outside"):
        viewer.set_control("stimulus", 1e9)
    viewer.pause()
    assert _until(viewer, lambda: "paused" in viewer.status)
    viewer.wait(0.3)
    frozen = viewer.scene.fields[display].values.copy()
    viewer.wait(0.3)
    np.testing.assert_array_equal(viewer.scene.fields[display].values, frozen)
    thread = viewer.source.thread
    viewer.close()
    assert not thread.is_alive() and viewer.closed


def test_an_importable_session_runs_in_a_worker_process_that_close_stops():
    viewer = Viewer(FitzHughNagumoCable)
    assert type(viewer.source).__name__ == "WorkerTransport"
    viewer.wait_for_scene()
    viewer.wait(0.5)
    assert viewer.sim_time is not None and viewer.sim_time > 0
    pid = viewer.source.pid
    viewer.close()
    import psutil

    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_targets_that_cannot_be_shown_are_refused_clearly(tmp_path):
    with pytest.raises(TypeError, match="needs a Scene"):
        make_source(42)
    with pytest.raises(FileNotFoundError, match="no such recording"):
        make_source(tmp_path / "missing.cnvrec")
    with pytest.raises(RemoteError, match=r"127\.0\.0\.1"):
        make_source("tcp://127.0.0.1:1#token")

    class Local(FitzHughNagumoCable):
        pass

    with pytest.raises(ValueError, match="cannot import"):
        make_source(Local, process=True)
    assert isinstance(make_source(Local)[1], ThreadTransport)


def test_a_failing_session_reports_its_error():
    class Broken(FitzHughNagumoCable):
        def initialize(self):
            raise RuntimeError("bad model file line 3")

    viewer = show(Broken)
    with pytest.raises(RuntimeError, match="bad model file line 3"):
        viewer.wait_for_scene(timeout=10)
    assert "bad model file line 3" in viewer.status
    viewer.close()
    assert not [t for t in threading.enumerate() if t.name == "compneurovis-session"]


def test_a_served_session_is_shown_from_its_url_and_closing_the_viewer_leaves_the_server_running():
    server = SessionServer(FitzHughNagumoCable).start()
    thread = threading.Thread(target=server.run, name="test-served-session")
    thread.start()
    try:
        viewer = show(server.url)
        viewer.wait_for_scene()
        display = viewer.drawing.spec.color_field_id
        quiet = viewer.scene.fields[display].values.copy()
        viewer.set_control("stimulus", 1.0)
        assert _until(viewer, lambda: viewer.scene.state.get("stimulus") == 1.0)
        assert _until(viewer, lambda: not np.allclose(viewer.scene.fields[display].values, quiet))
        assert viewer.screenshot().ndim == 3
        viewer.close()
        second = show(server.url)  # the session outlived the first viewer, with the first viewer's change
        second.wait_for_scene()
        assert second.scene.state["stimulus"] == 1.0
        second.close()
        assert thread.is_alive()
    finally:
        server.stop()
        thread.join(30)
        server.close()
    assert not thread.is_alive()


def test_a_served_session_stays_connected_while_the_kernel_is_busy_longer_than_the_stall_timeout():
    server = SessionServer(FitzHughNagumoCable, stall_timeout=0.5).start()
    thread = threading.Thread(target=server.run, name="test-served-session")
    thread.start()
    try:
        viewer = show(server.url)
        viewer.wait_for_scene()
        assert _until(viewer, lambda: viewer.sim_time is not None)  # the first frame is in
        viewer.set_control("stimulus", 1.0)
        time.sleep(3.0)  # a long cell: nothing pumps the viewer meanwhile
        before = viewer.sim_time
        assert _until(viewer, lambda: viewer.sim_time > before + 1.0)
        assert not viewer.errors, viewer.errors
        assert viewer.source.remote.is_alive()
        viewer.close()
    finally:
        server.stop()
        thread.join(30)
        server.close()
    assert not [t for t in threading.enumerate() if t.name == "compneurovis-remote-in"]


def test_on_the_event_loop_the_trace_plot_is_drawn_in_its_own_thread_and_the_loop_keeps_ticking():
    import asyncio

    async def run():
        viewer = show(FitzHughNagumoCable, process=False)
        assert viewer._loop is asyncio.get_running_loop()
        for _ in range(100):
            await asyncio.sleep(0.1)
            if viewer.trace is not None and viewer.trace.draws >= 3:
                break
        trace, pool = viewer.trace, viewer.trace._pool
        assert pool is not None, "the trace plot was never drawn in the background"
        assert trace.draws >= 3 and bytes(trace.value[:4]) == b"\x89PNG"
        assert trace.draw_seconds > 0
        before, draws = viewer.sim_time, trace.draws
        for _ in range(100):  # the next picture is due after TRACE_SPACING times the last one's cost
            await asyncio.sleep(0.1)
            if trace.draws > draws:
                break
        assert trace.draws > draws and viewer.sim_time > before  # the loop applied updates meanwhile
        viewer.close()
        assert trace._pool is None and pool._shutdown

    asyncio.run(run())


def test_wait_for_frame_returns_the_first_frames_time():
    viewer = Viewer(FitzHughNagumoCable)
    t = viewer.wait_for_frame(timeout=60)
    assert viewer.scene is not None and t == viewer.sim_time and t >= 0
    viewer.close()
    failing = show(lambda: 1 / 0, process=False)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        failing.wait_for_frame(timeout=10)
    failing.close()
