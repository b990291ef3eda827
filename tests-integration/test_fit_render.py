"""A recorded Jaxley fit renders to MP4 through ``compneurovis render``: one movie frame per iteration."""

import os
import subprocess
import sys

import numpy as np
import pytest

pytestmark = [
    pytest.mark.requires("jaxley", "launcher", "qt"),
    # imageio-ffmpeg's reader leaves its ffmpeg pipes for the garbage collector
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

ITERATIONS = 4


def _record_fit(path):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jaxley as jx
    import optax
    from jaxley.channels import HH

    from compneurovis.core import RecordingSession
    from compneurovis.jaxley import JaxleyFitSession

    def cell(gna):
        c = jx.Cell(jx.Branch(jx.Compartment(), ncomp=2), parents=[-1, 0, 0])
        c.insert(HH())
        c.set("HH_gNa", gna)
        c.compute_xyz()
        c.branch(0).comp(0).stimulate(jx.step_current(0.5, 2.0, 0.4, 0.025, 3.0), verbose=False)
        c.branch(0).comp(0).record("v", verbose=False)
        return c

    target = jx.integrate(cell(0.12), delta_t=0.025)
    model = cell(0.08)
    model.branch("all").make_trainable("HH_gNa", verbose=False)
    session = RecordingSession(lambda: JaxleyFitSession(
        model, loss=lambda v, t: jnp.mean((v - t) ** 2), target=target, optimizer=optax.adam(0.01),
        integrate_kwargs={"delta_t": 0.025}), path)
    session.initialize()
    for _ in range(ITERATIONS):
        session.advance()
        session.read_updates()
    session.shutdown()


def test_a_recorded_fit_renders_one_movie_frame_per_iteration(tmp_path):
    import imageio_ffmpeg

    recording, movie = tmp_path / "fit.cnvrec", tmp_path / "fit.mp4"
    _record_fit(recording)
    result = subprocess.run([sys.executable, "-m", "compneurovis", "render", str(recording), "--mp4", str(movie),
                             "--size", "480x320", "--fps", "5"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "DISPLAY": ""}, check=False)
    assert result.returncode == 0, result.stderr
    reader = imageio_ffmpeg.read_frames(str(movie))
    try:
        meta = next(reader)
        frames = [np.frombuffer(f, np.uint8).reshape(320, 480, 3) for f in reader]
    finally:
        reader.close()
    assert tuple(meta["size"]) == (480, 320) and len(frames) == ITERATIONS
    assert frames[-1].std() > 5  # a picture, not a blank frame
    # the loss curve and the trace move from iteration to iteration: the frames differ
    assert np.abs(frames[-1].astype(int) - frames[0].astype(int)).sum() > 0
