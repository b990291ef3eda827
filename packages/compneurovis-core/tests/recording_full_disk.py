"""Run by test_recording: record until the disk (or a file-size limit) is full; report as JSON.

Usage: ``python recording_full_disk.py PATH LIMIT`` (LIMIT: bytes of RLIMIT_FSIZE, 0 for none).
"""

import functools
import json
import re
import resource
import signal
import sys
import time

from compneurovis.core import Error, RecordingSession
from compneurovis.core import _recording_format as fmt
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

path, limit = sys.argv[1], int(sys.argv[2])
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
session = RecordingSession(functools.partial(FitzHughNagumoCable, history_capture_mode="full"), path)
session.initialize()
session.recorder.flush_interval = 0.02
frames: list[bool] = []
error = None
deadline = time.monotonic() + 90
while error is None and time.monotonic() < deadline:
    session.advance()
    updates = session.read_updates()
    errors = [u for u in updates if isinstance(u, Error)]
    frames += [fmt.is_display_frame(u) for u in updates if not isinstance(u, Error)]
    if errors:
        error = errors[0].message
for _ in range(10):  # the session goes on without its recording
    session.advance()
    assert not any(isinstance(u, Error) for u in session.read_updates())
session.shutdown()  # quiet: the failure was reported once
flushed = int(re.search(r"the file keeps the (\d+) updates", error).group(1))
print(json.dumps({"error": error, "flushed": flushed, "flushed_frames": sum(frames[:flushed]),
                  "running_after": session.recorder is None and not session.recording}))
