"""mkdocs hook: draw the docs' pictures and movie from the demos, offscreen, before each build.

The pictures on the home page, the tutorials and the README are screenshots
of the shipped demos (`compneurovis demo NAME --screenshot`); the CA1 picture
and the movie come from one recorded run of the ``neuron-swc`` demo, rendered
with `compneurovis render` (the picture is the drawn frame whose voltages
spread the most: a spike on its way through the cell). Building the docs
draws them again, so they always show what the code draws now. They are kept
in ``docs/images``; the PNGs are committed for the README, the movie is not.

``CNV_DOCS_PICTURES=keep`` skips drawing (the pictures already there are used).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

IMAGES = Path(__file__).resolve().parent.parent / "images"

#: (file, demo, seconds of simulation before the picture, size)
PICTURES = (
    ("neuron-hh.png", "neuron-hh", 2.0, "1100x650"),
    ("jaxley-swc.png", "jaxley-swc", 3.0, "1100x650"),
    ("jaxley-fit.png", "jaxley-fit", 8.0, "1100x650"),
)
#: The recorded run: demo, seconds recorded, size of the movie and of its picture, most frames in the movie.
RUN = ("neuron-swc", 3.0, "1120x660", 240)


def _run(args: list[str]) -> None:
    command = [sys.executable, "-m", "compneurovis", *args]
    env = {**os.environ, "DISPLAY": ""}  # always offscreen, with or without a display
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"docs pictures: compneurovis {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def _spread_per_drawn_frame(groups: list[list[Any]], every: int) -> list[float]:
    """The spread (std) of the morphology's values in each frame `render --every` draws of these frames."""
    import numpy as np

    from compneurovis.core import DisplayFrame
    from compneurovis.launcher._render import drawn_frames

    spread = []
    for k in drawn_frames(len(groups), every):
        values = [np.asarray(u.values) for u in groups[k] if isinstance(u, DisplayFrame)]
        spread.append(float(np.nanstd(values[0])) if values else 0.0)
    return spread


def _recorded_run(images: Path) -> list[Path]:
    """The CA1 movie and its most telling frame as the picture."""
    from compneurovis.core import read_recording

    demo, seconds, size, most = RUN
    with tempfile.TemporaryDirectory(prefix="cnv-docs-") as tmp:
        recording, frames = Path(tmp) / "run.cnvrec", Path(tmp) / "frames"
        _run(["demo", demo, "--record", str(recording), "--screenshot", str(Path(tmp) / "last.png"),
              "--after", str(seconds), "--size", size])
        groups = read_recording(recording).frames()
        every = max(1, math.ceil(len(groups) / most))
        movie = images / f"{demo}.mp4"
        _run(["render", str(recording), "--mp4", str(movie), "--png-dir", str(frames), "--size", size,
              "--every", str(every)])
        spread = _spread_per_drawn_frame(groups, every)
        best = max(range(len(spread)), key=spread.__getitem__)
        picture = images / f"{demo}.png"
        shutil.copyfile(frames / f"frame_{best:05d}.png", picture)
    return [picture, movie]


def draw(images: Path = IMAGES) -> list[Path]:
    """Draw every picture and the movie into ``images``; returns the files written."""
    images.mkdir(parents=True, exist_ok=True)
    written = _recorded_run(images)
    for name, demo, after, size in PICTURES:
        _run(["demo", demo, "--screenshot", str(images / name), "--after", str(after), "--size", size])
        written.append(images / name)
    return written


def on_pre_build(config: Any) -> None:
    """mkdocs entry: draw the pictures unless ``CNV_DOCS_PICTURES=keep``."""
    if os.environ.get("CNV_DOCS_PICTURES") == "keep":
        return
    start = time.monotonic()
    written = draw()
    print(f"docs pictures: drew {len(written)} files in {time.monotonic() - start:.0f} s", file=sys.stderr)
