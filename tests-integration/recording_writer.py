"""Run by test_recording: record the FitzHugh-Nagumo cable until killed."""

import sys

from compneurovis.core import Recorder, SceneReady
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

session = FitzHughNagumoCable(history_capture_mode="full")
recorder = Recorder(sys.argv[1], flush_interval=0.05)
recorder.write_updates([SceneReady(scene=session.initialize())])
print("recording", flush=True)
while True:
    session.advance()
    recorder.write_updates(session.read_updates())
