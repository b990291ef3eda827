"""`JaxleyFitSession` iterations per second vs the same optax loop without a viewer; the demo's convergence.

Plain script (``nox -s bench`` runs it). The model is the ``jaxley-fit``
demo's (121 compartments, 4 trainables, 600 steps of 0.025 ms, two
recordings). After both are compiled, blocks of iterations of the session
(`advance` plus `read_updates`, as the worker runs it: emitting the
parameter, gradient, loss and trace fields) alternate with blocks of the plain
jit-compiled ``value_and_grad`` + ``optimizer.update`` loop, so both see the
same machine load. It prints both rates and their ratio (target >= 0.8), and
the iterations and seconds (wall and CPU) the demo's fit takes to bring the
loss under 1 mV² and 0.1 mV².
"""

from __future__ import annotations

import argparse
import time

import jax
import jaxley as jx
import optax

from compneurovis.jaxley.examples.fit_cell import FitCellSession


def plain_loop(session: FitCellSession):
    """The loop a user writes without CompNeuroVis, on the session's own problem."""
    problem = session.problem

    @jax.jit
    def step(params, state):
        value, grads = jax.value_and_grad(lambda p: problem.loss(problem.simulate(p), problem.target))(params)
        updates, state = problem.optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6, help="alternating blocks of each")
    parser.add_argument("--block", type=int, default=10, help="iterations per block")
    args = parser.parse_args()
    print(f"jax {jax.__version__}, jaxley {jx.__version__}, optax {optax.__version__}, backend {jax.default_backend()}")

    session = FitCellSession(max_iterations=None)
    session.initialize()
    t0 = time.perf_counter()
    session.advance()
    session.read_updates()
    compile_s = time.perf_counter() - t0
    step = plain_loop(session)
    params, state = session.problem.initial_opt, session.problem.optimizer.init(session.problem.initial_opt)
    t1 = time.perf_counter()
    params, state, value = step(params, state)
    value.block_until_ready()
    plain_compile_s = time.perf_counter() - t1

    live_s = plain_s = 0.0
    for _ in range(args.blocks):
        t = time.perf_counter()
        for _ in range(args.block):
            session.advance()
            session.read_updates()
        live_s += time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(args.block):
            params, state, value = step(params, state)
        value.block_until_ready()
        plain_s += time.perf_counter() - t
    n = args.blocks * args.block
    live, plain = n / live_s, n / plain_s
    print(f"fit session {live:6.2f} it/s, plain optax loop {plain:6.2f} it/s, ratio {live / plain:.2f} "
          f"(target >= 0.8); compile: session {compile_s:.1f} s, plain loop {plain_compile_s:.1f} s")

    # convergence of the demo as a user runs it: from the start, iterations until the loss is small
    fresh = FitCellSession(max_iterations=None)
    fresh.initialize()
    fresh.advance()  # compiled already (same program): the first iteration is the start
    t0, c0, marks = time.perf_counter(), time.process_time(), {}
    while len(marks) < 2 and fresh.iteration < 400:
        fresh.advance()
        fresh.read_updates()
        for level in (1.0, 0.1):
            if level not in marks and fresh.losses[-1] < level:
                marks[level] = (fresh.iteration, time.perf_counter() - t0, time.process_time() - c0)
    for level, (k, wall, cpu) in sorted(marks.items(), reverse=True):
        print(f"demo fit: loss < {level:g} mV^2 after {k} iterations, {wall:.1f} s wall, {cpu:.1f} s CPU")
    if len(marks) < 2:
        print(f"demo fit: loss {fresh.losses[-1]:.4g} after {fresh.iteration} iterations (did not reach 0.1)")


if __name__ == "__main__":
    main()
