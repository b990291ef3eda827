"""Hostile clients against a real server in a child process, on loopback only.

Each case must be refused or dropped with a logged one-line reason within a
bounded time and memory, while an authenticated viewer keeps receiving frames
and the session keeps simulating. How much the attacks slow the session (the
target: under 10% of its undisturbed rate) is a speed, so it is measured by
``benchmarks/bench_remote_hostile.py``, not asserted here.
"""

from __future__ import annotations

import psutil
from cnv_hostile import CASES, TOKEN, campaign
from cnv_remote import child_server, watch

from compneurovis.core._net_wire import parse_url


def test_hostile_clients_are_dropped_with_a_reason_while_a_viewer_and_the_session_run_on(tmp_path):
    with child_server(tmp_path, TOKEN) as (proc, url, log):
        addr = parse_url(url)
        server = psutil.Process(proc.pid)
        viewer = watch(url)
        viewer.wait(lambda w: len(w.frames) > 20)
        rss_before = server.memory_info().rss
        run = campaign(addr, viewer)
        assert viewer.transport.is_alive() and not viewer.transport.finished
        viewer.close()
        rss_after = server.memory_info().rss
    assert proc.returncode == 0
    text = log.read_text()
    assert "server stopped cleanly" in text
    for reason in run.reasons:
        assert reason in text, f"no logged reason {reason!r} in:\n{text[-3000:]}"
    refusals = [line for line in text.splitlines() if line.startswith("refused ") or " dropped: " in line]
    assert all(len(line) < 300 for line in refusals)  # one line each
    print(f"hostile cases {len(CASES)} ({sum(run.counts.values())} attacks: {run.counts}): sim-time rate ratio "
          f"{run.sim_ratio:.3f}, viewer frame rate ratio {run.frame_ratio:.3f}, "
          f"server RSS {rss_before / 1e6:.0f} -> {rss_after / 1e6:.0f} MB")
    assert rss_after - rss_before < 100e6
    for name, (sim, frames) in run.during.items():  # the session ran on and the viewer saw it, under every attack
        assert sim > 0 and frames > 0, f"no progress reached the viewer while {name} ran: {run.during}"
