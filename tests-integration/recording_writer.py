"""Run by test_recording: record the FitzHugh-Nagumo cable until killed, reporting what was recorded.

Prints ``recording``, then about every 0.1 s ``<updates passed to the recorder> <latest sim time>``.
The recorder keeps its default ``flush_interval`` (1 s).
"""

import sys
import time

from compneurovis.core import Recorder, SceneReady
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

session = FitzHughNagumoCable(history_capture_mode="full")
recorder = Recorder(sys.argv[1])
recorder.write_updates([SceneReady(scene=session.initialize())])
print("recording", flush=True)
written, sim_time, reported = 0, 0.0, time.monotonic()
while True:
    session.advance()
    updates = session.read_updates()
    recorder.write_updates(updates)
    written += len(updates)
    sim_time = max([sim_time, *(u.sim_time for u in updates if getattr(u, "sim_time", None) is not None)])
    if time.monotonic() - reported >= 0.1:
        print(written, sim_time, flush=True)
        reported = time.monotonic()
