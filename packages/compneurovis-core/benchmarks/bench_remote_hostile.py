"""How much hostile clients slow a served session: simulated-time rate under attack over its quiet rate.

A child process serves the FitzHugh-Nagumo cable (as ``test_remote_hostile``
does); an authenticated viewer watches it while every hostile case of
``tests/cnv_hostile.py`` runs, each right after an undisturbed stretch of the
same length. The quiet stretches are the baseline, measured in the same run.
The attacker runs on the same machine, so on a 2-core machine part of what
it costs is plain CPU contention, not the server's handling of it.

Targets: the session keeps >= 0.90 of its quiet simulated-time rate, and the
viewer >= 0.70 of its quiet frame rate (median of 3 campaigns).
Run: ``python packages/compneurovis-core/benchmarks/bench_remote_hostile.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from cnv_hostile import CASES, TOKEN, campaign
from cnv_remote import child_server, watch

from compneurovis.core._net_wire import parse_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="campaigns to run (default 3)")
    repeat = parser.parse_known_args()[0].repeat
    runs = []
    with tempfile.TemporaryDirectory() as tmp, child_server(Path(tmp), TOKEN) as (_, url, _):
        viewer = watch(url)
        try:
            viewer.wait(lambda w: len(w.frames) > 20)
            for _ in range(repeat):
                runs.append(campaign(parse_url(url), viewer))
                print(f"campaign {len(runs)}: {sum(runs[-1].counts.values())} attacks of {len(CASES)} kinds, "
                      f"sim-time rate ratio {runs[-1].sim_ratio:.3f}, frame rate ratio {runs[-1].frame_ratio:.3f}")
        finally:
            viewer.close()
    sim = statistics.median(r.sim_ratio for r in runs)
    frames = statistics.median(r.frame_ratio for r in runs)
    print(f"under attack / quiet: sim-time rate {sim:.3f} (target >= 0.90, {'met' if sim >= 0.9 else 'MISS'}), "
          f"viewer frame rate {frames:.3f} (target >= 0.70, {'met' if frames >= 0.7 else 'MISS'})")


if __name__ == "__main__":
    main()
