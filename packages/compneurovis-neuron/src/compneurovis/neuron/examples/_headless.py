"""Run an example session headless in a worker process and summarise it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from compneurovis.core import (
    DisplayFrame,
    Error,
    Scene,
    SceneReady,
    Session,
    SessionCommand,
    WorkerTransport,
)


def run_headless(
    factory: Callable[[], Session],
    name: str,
    *,
    frames: int = 200,
    commands: Sequence[SessionCommand] = (),
    timeout: float = 60.0,
) -> int:
    """Run ``factory``'s session in a `WorkerTransport` for ``frames`` display frames.

    Args:
        factory: Session class (or picklable factory) to run.
        name: Name printed in the summary line.
        frames: Display frames to wait for.
        commands: Commands sent once the first Scene has arrived.
        timeout: Give up after this many seconds.

    Returns:
        A process exit status: 0 on success, 1 if the session reported an error.
    """
    scene: Scene | None = None
    count = 0
    peak = -np.inf
    started = time.monotonic()
    with WorkerTransport(factory) as transport:
        while count < frames and time.monotonic() - started < timeout:
            for update in transport.poll(timeout=1.0):
                if isinstance(update, Error):
                    print(update.traceback or update.message, file=sys.stderr)
                    return 1
                if isinstance(update, SceneReady):
                    scene = update.scene
                    for command in commands:
                        transport.send(command)
                elif scene is not None:
                    scene.apply(update)
                    if isinstance(update, DisplayFrame) and update.field_id == "segment_display":
                        count += 1
                        peak = max(peak, float(np.nanmax(update.values)))
    if scene is None or count == 0:
        print(f"{name}: no frames within {timeout:.0f} s", file=sys.stderr)
        return 1
    values = scene.fields["segment_display"].values
    times = scene.fields["segment_history"].coords["time"]
    t_end = float(times[-1]) if len(times) else 0.0
    print(f"{name}: {len(values)} segments, {count} frames received, t = {t_end:.2f} ms, "
          f"V now in [{np.nanmin(values):.1f}, {np.nanmax(values):.1f}] mV, peak {peak:.1f} mV, "
          f"{time.monotonic() - started:.1f} s wall")
    return 0
