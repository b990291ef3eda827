"""Throughput of NeuronSession against a bare ``h.fadvance()`` loop.

Runs the shipped CA1 reconstruction (the ``neuron-swc`` example model, 2,536
segments) headless for a fixed simulated time, twice in one process:

1. bare: ``h.fadvance()`` in a Python loop, nothing sampled;
2. session: ``NeuronSession.advance()`` plus draining ``read_updates()``, FULL
   history, ``display_dt = 4 * dt``: every segment kept at every step (the
   FULL default), as the worker drives it (after ``allow_batched_advance()``:
   a few display frames per call, see ``frames_per_advance``).

For reference it also times the same session with one display frame per
``advance()`` call (what code that calls ``advance()`` itself gets), ON_DEMAND
(the default mode) with a few clicked segments, the opt-out of one history
sample per display frame (``history_every_step() -> False``), and
``h.fadvance()`` followed by a ``PtrVector.gather`` of every segment after
each step (what per-step sampling of all segments cost before the storage
read).

Bare and session runs alternate ``repeats`` times, each a short burst from
a reset (so that a drift in the machine's speed touches both alike; on a
shared virtual machine the speed of the same loop wanders by 10-30 % within
seconds). Prints segments, where the display values were read from (NEURON's
node storage or a PtrVector), the best throughputs (simulated ms per
wall-clock second), the quartiles of the paired ratios, and the median paired
ratio (target >= 0.90) with the ratio of the bests beside it.

    python packages/compneurovis-neuron/benchmarks/bench_neuron_session.py [burst_ms] [repeats]
"""

from __future__ import annotations

import sys
import time

from neuron import h

from compneurovis.core import EntityClicked, Reset
from compneurovis.neuron.examples.swc import CA1Session

DT = 0.025


def bare(session: CA1Session, sim_ms: float) -> float:
    session.handle(Reset())
    session.read_updates()
    n = round(sim_ms / DT)
    fadvance = h.fadvance
    start = time.perf_counter()
    for _ in range(n):
        fadvance()
    return sim_ms / (time.perf_counter() - start)


def gather_only(session: CA1Session, sim_ms: float) -> float:
    session.handle(Reset())
    session.read_updates()
    n = round(sim_ms / DT)
    fadvance, gather, out = h.fadvance, session._display.ptr_gather, session._display.out
    start = time.perf_counter()
    for _ in range(n):
        fadvance()
        gather(out)
    return sim_ms / (time.perf_counter() - start)


def live(session: CA1Session, sim_ms: float) -> float:
    session.handle(Reset())
    session.read_updates()
    t0 = session.time
    end = t0 + sim_ms - session.display_dt / 2  # an advance() may simulate several frames
    start = time.perf_counter()
    while session.time < end:
        session.advance()
        session.read_updates()
    return (session.time - t0) / (time.perf_counter() - start)


class PerFrameCA1(CA1Session):
    def history_every_step(self) -> bool:
        return False


def paired(session: CA1Session, sim_ms: float, repeats: int) -> list[tuple[float, float]]:
    """(bare, session) throughputs, alternating, so that a drift in the machine's speed touches both alike."""
    return [(bare(session, sim_ms), live(session, sim_ms)) for _ in range(repeats)]


def where(session: CA1Session) -> str:
    span = session._voltage_span()
    if span is None:
        return "PtrVector"
    return "NeuronSession's zero-copy view of NEURON's node storage" if span.live else "Vector.from_double"


def quartiles(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """The 25th, 50th and 75th percentiles of the paired ratios session / bare."""
    ratios = sorted(lv / br for br, lv in pairs)
    return tuple(ratios[round(q * (len(ratios) - 1))] for q in (0.25, 0.5, 0.75))  # type: ignore[return-value]


def main(argv: list[str]) -> int:
    sim_ms = float(argv[0]) if argv else 25.0
    repeats = int(argv[1]) if len(argv) > 1 else 40
    session = CA1Session(dt=DT, display_dt=4 * DT, history_capture_mode="full", max_samples=1000)
    session.initialize()
    n_seg = session.geometry.n_entities
    assert session.steps_per_update() == 4 and session.history_every_step()
    storage = where(session)
    live(session, session.display_dt)  # lays out the storage view once (a few ms), outside the pairs
    single_pairs = paired(session, sim_ms, max(3, repeats // 2))  # one display frame per call
    session.allow_batched_advance()  # as the worker, the server and the notebook's source do
    live(session, session.display_dt)
    pairs = paired(session, sim_ms, repeats)
    batched = session.frames_per_advance()
    gather_best = max(gather_only(session, sim_ms) for _ in range(max(3, repeats // 4)))
    session.shutdown()
    per_frame = PerFrameCA1(dt=DT, display_dt=4 * DT, history_capture_mode="full", max_samples=1000)
    per_frame.initialize()
    live(per_frame, per_frame.display_dt)
    frame_pairs = paired(per_frame, sim_ms, max(3, repeats // 2))
    per_frame.shutdown()
    on_demand = CA1Session(dt=DT, display_dt=4 * DT, max_samples=1000)  # ON_DEMAND, the default
    on_demand.initialize()
    on_demand.allow_batched_advance()
    for entity_id in on_demand.geometry.entity_ids[500::500]:  # the soma's trace and a few clicked segments
        on_demand.handle(EntityClicked(entity_id=entity_id))
    clicked = len(on_demand._traces.rows)
    live(on_demand, on_demand.display_dt)
    demand_pairs = paired(on_demand, sim_ms, max(3, repeats // 2))
    on_demand.shutdown()
    bare_best, live_best = max(p[0] for p in pairs), max(p[1] for p in pairs)
    low, median, high = quartiles(pairs)
    print(f"segments: {n_seg}  dt: {DT} ms  display_dt: {4 * DT} ms  history: FULL, every step  "
          f"bursts: {sim_ms:g} simulated ms x {repeats}  display read from: {storage}")
    print(f"bare h.fadvance():            {bare_best:9.1f} simulated ms / s")
    print(f"h.fadvance() + gather only:   {gather_best:9.1f} simulated ms / s  "
          f"(ratio {gather_best / bare_best:.3f}: per-step PtrVector sampling)")
    print(f"opt-out, one sample / frame:  ratio {quartiles(frame_pairs)[1]:.3f} (median paired)")
    print(f"ON_DEMAND, {clicked} traced segments: ratio {quartiles(demand_pairs)[1]:.3f} (median paired)")
    print(f"one display frame / advance(): ratio {quartiles(single_pairs)[1]:.3f} (median paired)")
    print(f"NeuronSession.advance():      {live_best:9.1f} simulated ms / s  (FULL, every step, "
          f"{batched} frames per advance() as the worker drives it)")
    print(f"paired ratios (each session run / the bare run before it): quartiles {low:.3f} {median:.3f} {high:.3f}")
    print(f"ratio session / bare:         {median:9.3f}  (median paired; target >= 0.90)  "
          f"best / best {live_best / bare_best:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
