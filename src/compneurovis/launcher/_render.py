"""Render a recording offscreen to MP4 or PNGs; export its traces to CSV or NPZ."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from compneurovis.core import SceneError, export_csv, export_hdf5, export_npz, marked_frames, read_recording

from ._discovery import Interrupted, LauncherError
from ._ffmpeg import Mp4Writer


def _rgb(image: object) -> np.ndarray:
    """A QImage (RGB888) as an ``(h, w, 3)`` uint8 array."""
    width, height, stride = image.width(), image.height(), image.bytesPerLine()  # type: ignore[attr-defined]
    bits = image.constBits()  # type: ignore[attr-defined]
    bits.setsize(image.sizeInBytes())  # type: ignore[attr-defined]
    return np.frombuffer(bits, np.uint8).reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def _open(path: Path) -> object:
    if not path.exists():
        raise LauncherError(f"{path}: no such file")
    try:
        recording = read_recording(path)
    except SceneError as exc:
        raise LauncherError(str(exc)) from None
    if recording.damage is not None:  # a cut-off or damaged file: say what is missing, use what is there
        print(f"warning: {path}: {recording.damage}; using the {len(recording.updates)} updates before it",
              file=sys.stderr)
    return recording


@contextlib.contextmanager
def _sigint_flag() -> Iterator[list[bool]]:
    """Ctrl+C sets a flag checked between frames (a Python exception must not cross Qt's C++ frames)."""
    flag: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.signal(signal.SIGINT, lambda *_: flag.append(True))
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)



def _set_camera(scene: object, camera: object) -> None:
    from compneurovis.core import MorphologyViewSpec, ScenePatch

    views = [vid for vid, v in scene.views.items() if isinstance(v, MorphologyViewSpec)]  # type: ignore[attr-defined]
    if not views:
        raise LauncherError("--camera: the recording has no morphology view to point a camera at")
    scene.apply(ScenePatch(views={vid: {"camera": camera} for vid in views}))  # type: ignore[attr-defined]


def drawn_frames(count: int, every: int) -> list[int]:
    """Which of ``count`` recorded frames `render_recording` draws with ``every``: each ``every``-th and the last."""
    return [k for k in range(count) if k % every == 0 or k == count - 1]


def render_recording(path: Path, *, mp4: Path | None = None, png_dir: Path | None = None, fps: float = 30.0,
                     size: tuple[int, int] = (1280, 720), progress: bool = True, camera: object = None,
                     every: int = 1) -> int:
    """Draw every recorded display frame (or every ``every``-th) offscreen and write an MP4 and/or numbered PNGs.

    With ``every`` above 1 the frames in between are applied but not drawn:
    the traces keep every sample, and the movie runs ``every`` times faster.
    The last recorded frame is always drawn.

    ``camera`` (a `compneurovis.core.Camera`, or ``None`` for the recorded
    one) is set on every morphology view before the first frame; camera
    changes recorded later still apply.

    Frames have exactly ``size`` pixels: a size below the window's minimum is
    drawn larger and scaled down. Ctrl+C stops after the current frame and
    finalises the movie.

    Returns:
        The number of frames written.

    Raises:
        LauncherError: On a bad recording, an odd MP4 size, or an ffmpeg failure (with ffmpeg's reason).
        Interrupted: After Ctrl+C, once the frames so far are written.
    """
    if mp4 is None and png_dir is None:
        raise LauncherError("say where to write: --mp4 out.mp4 and/or --png-dir frames/")
    if mp4 is not None and (size[0] % 2 or size[1] % 2):
        raise LauncherError(f"--size must be even in both directions for MP4, got {size[0]}x{size[1]}")
    recording = _open(path)
    if camera is not None:
        _set_camera(recording.scene, camera)  # type: ignore[attr-defined]
    from PyQt6.QtCore import QCoreApplication, QEvent, Qt
    from tqdm import tqdm

    from compneurovis.qt import CompNeuroVisWindow, ensure_application

    app = ensure_application(offscreen=True)
    window = CompNeuroVisWindow(recording.scene, offscreen=True)  # type: ignore[attr-defined]
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.fit_to_image_size(size)
    window.show()
    app.processEvents()
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
    writer = Mp4Writer(mp4, size, fps) if mp4 is not None else None
    # the recorded control changes as marks on the trace plots, as in a replay
    frames = marked_frames(recording.scene, recording.frames(), recording.events)  # type: ignore[attr-defined]
    count = 0
    try:
        with _sigint_flag() as interrupted:
            drawn = set(drawn_frames(len(frames), every))
            for k, frame in enumerate(tqdm(frames, unit="frame", disable=not progress, desc=path.name)):
                if interrupted:
                    break
                window.apply_updates(frame)
                if k not in drawn:
                    continue
                app.processEvents()
                image = window.grab_image(size)
                png = None if png_dir is None else png_dir / f"frame_{count:05d}.png"
                if png is not None and not image.save(str(png), "PNG"):
                    raise LauncherError(f"could not write {png}")
                if writer is not None:
                    writer.write(_rgb(image))
                count += 1
        if writer is not None:
            writer.close()
            writer = None
    finally:
        if writer is not None:  # an error: stop ffmpeg, the error says what happened
            writer.kill()
        window.close()
        # delete it now, while the application lives: left to interpreter exit after an error,
        # its VTK/Qt teardown crashed the process (SIGSEGV after ffmpeg's reason was printed)
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if interrupted:
        where = " and ".join(str(p) for p in (mp4, png_dir) if p is not None)
        raise Interrupted(f"interrupted: {count} frames written to {where}")
    return count


def export_recording(path: Path, *, csv: Path | None = None, npz: Path | None = None, h5: Path | None = None,
                     entities: Sequence[str] | None = None) -> list[Path]:
    """Write a recording's traces to CSV (selected entities), all history to NPZ, and/or all of it to HDF5."""
    if csv is None and npz is None and h5 is None:
        raise LauncherError("say what to write: --csv traces.csv, --npz history.npz and/or --h5 run.h5")
    recording = _open(path)
    written = []
    if h5 is not None:
        try:
            written.append(export_hdf5(recording, h5))  # type: ignore[arg-type]
        except OSError as exc:
            raise LauncherError(f"{h5}: cannot write: {exc.strerror or exc}") from None
    scene = recording.scene  # type: ignore[attr-defined]
    scene.apply_all(recording.updates)  # type: ignore[attr-defined]
    try:
        if csv is not None:
            written.append(export_csv(scene, csv, entity_ids=entities or None))
        if npz is not None:
            written.append(export_npz(scene, npz))
    except SceneError as exc:
        raise LauncherError(str(exc)) from None
    return written
