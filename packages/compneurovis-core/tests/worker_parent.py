"""A parent process for the parent-death tests: start a session worker, print its pid, wait to be killed.

Usage: python worker_parent.py SESSION_NAME main|thread
"""

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import cnv_core_sessions

from compneurovis.core import WorkerTransport

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
    while True:
        transport.poll(0.2)
        time.sleep(0.05)
