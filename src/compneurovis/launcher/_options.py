"""Command-line values: parsed and checked before anything starts, refused with argparse's exit 2."""

from __future__ import annotations

import argparse
import math
import os
import re
import tempfile
from pathlib import Path

#: Largest width or height the launcher renders (a window, a screenshot, a movie frame).
MAX_SIDE = 8192
#: Longest wait before a screenshot, in seconds.
MAX_AFTER_S = 86400.0
#: Movie frame rates accepted (ffmpeg cannot take a rate that rounds to 0).
FPS_RANGE = (0.01, 1000.0)
#: Largest ``--every`` (one movie frame per this many recorded frames).
MAX_EVERY = 1_000_000
_SIZE = re.compile(r"\s*(\d{1,9})\s*[xX]\s*(\d{1,9})\s*")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def seconds(text: str) -> float:
    """``--after``: a finite number of seconds from 0 to `MAX_AFTER_S`."""
    value = _number(text)
    if not 0.0 <= value <= MAX_AFTER_S:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to {MAX_AFTER_S:g}, got {text!r}")
    return value


def fps(text: str) -> float:
    """``--fps``: a finite frame rate within `FPS_RANGE`."""
    value = _number(text)
    low, high = FPS_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected frames per second from {low:g} to {high:g}, got {text!r}")
    return value


def every(text: str) -> int:
    """``--every``: a whole number of recorded frames from 1 to `MAX_EVERY`."""
    value = _number(text)
    if value != int(value) or not 1 <= value <= MAX_EVERY:
        raise argparse.ArgumentTypeError(f"expected a whole number of frames from 1 to {MAX_EVERY}, got {text!r}")
    return int(value)


def size(text: str) -> tuple[int, int]:
    """``--size``: ``WxH``, each side from 1 to `MAX_SIDE` pixels."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x800, got {text!r}")
    width, height = int(match[1]), int(match[2])
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise argparse.ArgumentTypeError(
            f"each side must be from 1 to {MAX_SIDE} pixels (larger images exhaust memory and the "
            f"renderer's limits), got {width}x{height}")
    return width, height


def camera(text: str) -> object:
    """``--camera``: a preset (front, side, top, isometric) or ``PX,PY,PZ:FX,FY,FZ:UX,UY,UZ``.

    The exact form gives the camera position, the focal point and the view-up
    vector, each three numbers; the result is a `compneurovis.core.Camera`.
    """
    from compneurovis.core import CAMERA_PRESETS, Camera, SceneError

    text = text.strip()
    if ":" not in text and "," not in text:
        if text not in CAMERA_PRESETS:
            raise argparse.ArgumentTypeError(f"expected a preset ({', '.join(CAMERA_PRESETS)}) or "
                                             f"PX,PY,PZ:FX,FY,FZ:UX,UY,UZ, got {text!r}")
        return Camera(preset=text)
    parts = text.split(":")
    if len(parts) != 3 or any(len(p.split(",")) != 3 for p in parts):
        raise argparse.ArgumentTypeError(f"expected PX,PY,PZ:FX,FY,FZ:UX,UY,UZ (position:focal point:view up, "
                                         f"three numbers each), got {text!r}")
    position, focal, up = (tuple(_number(v) for v in p.split(",")) for p in parts)
    try:
        return Camera(position=position, focal_point=focal, view_up=up)
    except SceneError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def path(text: str) -> Path:
    """A file or folder name: any text the operating system could take."""
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"a path cannot contain a NUL character, got {text!r}")
    return Path(text)


def _probe(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (``None``: it can)."""
    try:
        if not folder.is_dir():
            return f"folder {folder} does not exist" if not folder.exists() else f"{folder} is not a folder"
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".cnv-probe-"):
            return None
    except OSError as exc:
        return f"cannot write in {folder} ({exc.strerror or exc})"


def check_output_file(parser: argparse.ArgumentParser, option: str, target: Path | None) -> None:
    """Refuse (exit 2) an output file whose folder is missing or not writable, or that is a folder."""
    if target is None:
        return
    try:
        if target.is_dir():
            parser.error(f"argument {option}: {target} is a folder, expected a file name")
        if target.exists() and not os.access(target, os.W_OK):
            parser.error(f"argument {option}: {target} exists and may not be overwritten")
        if len(os.fsencode(target.name)) > 255:
            parser.error(f"argument {option}: the file name of {target} is too long")
    except OSError as exc:
        parser.error(f"argument {option}: {target}: {exc.strerror or exc}")
    problem = _probe(target.parent)
    if problem is not None:
        parser.error(f"argument {option}: cannot write {target}: {problem}")


def check_output_dir(parser: argparse.ArgumentParser, option: str, target: Path | None) -> None:
    """Make the folder ``target`` (and its parents) if needed; refuse (exit 2) if it cannot be written."""
    if target is None:
        return
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"argument {option}: cannot make the folder {target}: {exc.strerror or exc}")
    problem = _probe(target)
    if problem is not None:
        parser.error(f"argument {option}: {problem}")
