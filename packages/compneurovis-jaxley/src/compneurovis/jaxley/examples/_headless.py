"""Run an example session headless through the worker transport."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from compneurovis.core import DisplayFrame, Error, Scene, SceneReady, Session, WorkerTransport


def run_headless(factory: Callable[[], Session], frames: int, *, timeout: float = 600.0,
                 field_id: str = "segment_display") -> tuple[Scene, int]:
    """Run ``factory``'s session in a worker until ``frames`` display frames of ``field_id`` arrived.

    Returns:
        The Scene with every update applied, and the number of frames seen.

    Raises:
        RuntimeError: If the session reports an error or the worker stops or stalls.
    """
    seen = 0
    scene: Scene | None = None
    deadline = time.monotonic() + timeout
    with WorkerTransport(factory) as transport:
        while seen < frames:
            if time.monotonic() > deadline or transport.finished:
                raise RuntimeError(f"worker stopped or stalled after {seen} of {frames} frames")
            for update in transport.poll(timeout=1.0):
                if isinstance(update, Error):
                    raise RuntimeError(update.traceback or update.message)
                if isinstance(update, SceneReady):
                    scene = update.scene
                elif scene is not None:
                    scene.apply(update)
                    seen += isinstance(update, DisplayFrame) and update.field_id == field_id
    assert scene is not None
    return scene, seen


def frames_argument(description: str, default: int, argv: list[str] | None) -> int:
    """Parse ``--frames`` from ``argv``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--frames", type=int, default=default, help="display frames to run (default %(default)s)")
    return parser.parse_args(argv).frames
