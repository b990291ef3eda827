"""Serve the FitzHugh-Nagumo cable on loopback (argv: token [host [handshake_timeout stall_timeout]])."""

import logging
import signal
import sys
import threading

from compneurovis.core import serve
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
token = sys.argv[1]
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
handshake, stall = (float(sys.argv[3]), float(sys.argv[4])) if len(sys.argv) > 4 else (1.0, 1.0)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
serve(FitzHughNagumoCable, host, 0, token, on_ready=lambda url: print(url, flush=True), stop=stop,
      handshake_timeout=handshake, stall_timeout=stall)
print("server stopped cleanly", file=sys.stderr, flush=True)
