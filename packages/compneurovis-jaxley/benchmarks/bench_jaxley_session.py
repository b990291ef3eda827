"""Live stepping (`JaxleySession.advance`) vs one `jx.integrate` over the same simulated time.

Plain script (``nox -s bench`` runs it): a 128-compartment HH cell (a binary
tree of 31 branches of 4 compartments; ``--swc`` uses the CA1 sample instead),
dt = 0.025 ms. For each display interval it reports the one-time compile cost
of the live step function, live throughput (simulated ms per wall second,
emitting and draining the frontend updates as the worker does: after
``allow_batched_advance()``, several frames per call), the throughput of one
jit-compiled ``jx.integrate`` over the same simulated time (after
compilation; each throughput the best of 3 runs), and their ratio (target >= 0.5); beside it, the ratio with one
display frame per ``advance()`` call (what code that calls it itself gets).
"""

from __future__ import annotations

import argparse
import importlib.resources
import time

import jax
import jax.numpy as jnp
import jaxley as jx
from jaxley.channels import HH

from compneurovis.jaxley import JaxleySession

DT = 0.025
REPEATS = 3  # each throughput is the best of this many runs: one run of 200 simulated ms is ~0.1-0.2 s here


def tree_cell(levels: int = 5, ncomp: int = 4) -> jx.Cell:
    parents = [-1] + [(i - 1) // 2 for i in range(1, 2**levels - 1)]
    return jx.Cell(jx.Branch(jx.Compartment(), ncomp=ncomp), parents=parents)


class BenchSession(JaxleySession):
    swc = False

    def build_cells(self) -> jx.Cell:
        if self.swc:
            path = importlib.resources.files("compneurovis.core") / "data" / "ca1_n120.swc"
            return jx.read_swc(str(path), ncomp=2)
        return tree_cell()

    def setup_model(self, network, cells) -> None:
        network.insert(HH())
        network.branch(0).comp(0).stimulate(jnp.full(800, 0.5), verbose=False)  # 20 ms, looped

    def loop_externals(self) -> bool:
        return True


def _live(session: BenchSession, sim_ms: float) -> float:
    """Simulated ms per wall-clock second over ``sim_ms``, advancing and draining updates as the worker does."""
    t0, end = session.time, session.time + sim_ms - session.display_dt / 2
    start = time.perf_counter()
    while session.time < end:
        session.advance()
        session.read_updates()
    return (session.time - t0) / (time.perf_counter() - start)


def bench(display_dt: float, sim_ms: float, swc: bool) -> None:
    BenchSession.swc = swc
    session = BenchSession(dt=DT, display_dt=display_dt, history_capture_mode="on_demand")
    session.initialize()
    t0 = time.perf_counter()
    session.advance()
    session.read_updates()
    compile_s = time.perf_counter() - t0
    single = max(_live(session, sim_ms) for _ in range(REPEATS))  # one frame per call: code calling advance()
    session.allow_batched_advance()  # as the worker, the server and the notebook's source do
    warm_end = time.perf_counter() + 3.0  # each count of frames per call compiles once: not timed
    while time.perf_counter() < warm_end:
        session.advance()
        session.read_updates()
    batched_frames = session.frames_per_advance()
    live = max(_live(session, sim_ms) for _ in range(REPEATS))
    frames = max(1, round(sim_ms / display_dt))
    simulated = frames * session.steps_per_update() * DT

    net = session.network
    net.record(verbose=False)
    net.delete_stimuli()
    n_steps = frames * session.steps_per_update()
    net.branch(0).comp(0).stimulate(jnp.full(n_steps, 0.5), verbose=False)
    run = jax.jit(lambda params: jx.integrate(net, params, delta_t=DT))
    params = net.get_parameters()
    t0 = time.perf_counter()
    run(params).block_until_ready()
    batch_compile_s = time.perf_counter() - t0
    batch_s = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        out = run(params).block_until_ready()
        batch_s = min(batch_s, time.perf_counter() - t0)
    assert out.shape[1] == n_steps + 1, out.shape

    batch = simulated / batch_s
    print(f"display_dt {display_dt:5.3f} ms ({session.steps_per_update():3d} steps/frame), "
          f"{len(net.nodes)} comps, {simulated:.0f} ms simulated: "
          f"live {live:8.1f} ms/s ({batched_frames} frames per advance() as the worker drives it), "
          f"jx.integrate {batch:8.1f} ms/s, ratio {live / batch:.2f} (target >= 0.5); "
          f"one frame per advance() {single / batch:.2f}; "
          f"compile live {compile_s:.2f} s, batch {batch_compile_s:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim-ms", type=float, default=200.0, help="simulated time per measurement")
    parser.add_argument("--swc", action="store_true", help="use the 310-compartment CA1 cell")
    parser.add_argument("--display-dt", type=float, nargs="+", default=[0.1, 0.5, 1.0])
    args = parser.parse_args()
    print(f"jax {jax.__version__}, jaxley {jx.__version__}, backend {jax.default_backend()}")
    for display_dt in args.display_dt:
        bench(display_dt, args.sim_ms, args.swc)


if __name__ == "__main__":
    main()
