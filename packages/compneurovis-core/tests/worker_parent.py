"""A parent process for the parent-death tests: start a session worker, print its pid, wait to be killed.

Usage: python worker_parent.py SESSION_NAME main|thread
"""

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import cnv_core_sessions

from compneurovis.core import SceneReady, WorkerTransport

if __name__ == "__main__":
    factory = getattr(cnv_core_sessions, sys.argv[1])
    transport = WorkerTransport(factory)
    if sys.argv[2] == "thread":  # the kernel's parent-death signal is then not armed: the watchdog must act
        starter = threading.Thread(target=transport.start)
        starter.start()
        starter.join()
    else:
        transport.start()
    print(transport.pid, flush=True)
    running = False
    while True:
        updates = transport.poll(0.2)
        if not running and any(isinstance(u, SceneReady) for u in updates):
            print("running", flush=True)  # the session is past initialize(), in its loop
            running = True
        time.sleep(0.05)
