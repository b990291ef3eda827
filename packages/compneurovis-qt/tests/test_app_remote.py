"""`run_app` opens the usual window on a session served over loopback TCP."""

from __future__ import annotations

import threading

import pytest

from compneurovis.core import RemoteError, SessionServer
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable
from compneurovis.qt import run_app


@pytest.fixture
def server():
    server = SessionServer(FitzHughNagumoCable).start()
    thread = threading.Thread(target=server.run, name="test-session")
    thread.start()
    yield server
    server.stop()
    thread.join(30)
    server.close()
    assert not thread.is_alive()


def test_run_app_takes_a_url_draws_the_remote_session_and_leaves_it_running(server, tmp_path):
    png = tmp_path / "remote.png"
    windows = []
    assert run_app(server.url, screenshot=png, after=0.5, size=(640, 400), on_window=windows.append) == 0
    assert png.stat().st_size > 5000
    scene = windows[0].scene
    assert scene.title == "FitzHugh-Nagumo cable" and scene.fields["segment_history"].shape[0] > 1
    assert server.hub.flush(5)
    # closing the window closed the connection, never the server: another viewer is served
    assert run_app(server.url, screenshot=png, after=0.1, size=(640, 400)) == 0


def test_run_app_refuses_a_wrong_token_before_opening_a_window(server):
    with pytest.raises(RemoteError, match="authentication failed"):
        run_app(server.url.split("#")[0] + "#wrong", screenshot="unused.png")
    with pytest.raises(ValueError, match="record a remote one where it runs"):
        run_app(server.url, record="x.cnvrec")
