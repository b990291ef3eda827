"""The ``compneurovis`` command: list and run demos, open an SWC file live."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compneurovis.core import RecordingSession

from ._discovery import KNOWN_DEMOS, LauncherError, find_demo, installed_demos, swc_session_factory
from ._render import export_recording, render_recording


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compneurovis",
        description="See compartmental neuron simulations live on their 3-D morphology.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="list the installed demos, or run one")
    demo.add_argument("name", nargs="?", help="demo to run (omit to list them)")
    _add_window_options(demo)

    view = sub.add_parser("view", help="open an SWC morphology live in a default NEURON session")
    view.add_argument("swc", type=Path, help="path to an .swc file (e.g. from NeuroMorpho.org)")
    _add_window_options(view)

    render = sub.add_parser("render", help="render a recording offscreen to MP4 or PNG frames")
    render.add_argument("recording", type=Path, help="a file written with --record")
    render.add_argument("--mp4", type=Path, help="MP4 file to write (ffmpeg ships with imageio-ffmpeg)")
    render.add_argument("--png-dir", type=Path, help="folder for numbered PNG frames")
    render.add_argument("--fps", type=float, default=30.0, help="frames per second of the movie (default 30)")
    render.add_argument("--size", metavar="WxH", default="1280x720", help="frame size (default 1280x720)")

    export = sub.add_parser("export", help="export a recording's traces to CSV, its history to NPZ, all to HDF5")
    export.add_argument("recording", type=Path, help="a file written with --record")
    export.add_argument("--csv", type=Path, help="CSV of the traced entities (time + one column each)")
    export.add_argument("--entity", action="append", help="entity id to put in the CSV (repeatable)")
    export.add_argument("--npz", type=Path, help="NPZ of every history field with its coordinates")
    export.add_argument("--h5", type=Path, help="HDF5 of the whole recording (frames, all history, events)")
    return parser


def _add_window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--screenshot", metavar="PATH", type=Path,
                        help="render offscreen (no display needed), write a PNG and exit")
    parser.add_argument("--after", metavar="SECONDS", type=float, default=1.0,
                        help="with --screenshot: seconds of simulation before the picture (default 1)")
    parser.add_argument("--size", metavar="WxH", default="1280x800", help="window/image size (default 1280x800)")
    parser.add_argument("--record", metavar="PATH", type=Path,
                        help="record the session (Scene, every update, control changes) to this file "
                             "(a crash-safe log; `export --h5` converts it to HDF5)")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise LauncherError(f"--size must look like 1280x800, got {text!r}") from None
    return width, height


def _has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM") in {"offscreen", "minimal"})


def _open(factory: Any, args: argparse.Namespace) -> int:
    if getattr(args, "record", None) is not None:
        factory = functools.partial(RecordingSession, factory, str(args.record))
    if args.screenshot is None and not _has_display():
        raise LauncherError(
            "no display available: add --screenshot out.png to render offscreen, "
            "or run under a virtual display (xvfb-run -a compneurovis ...)"
        )
    try:
        from compneurovis.qt import run_app
    except ImportError as exc:
        raise LauncherError(f"the Qt frontend is not installed ({exc}); pip install compneurovis-qt") from exc
    result = run_app(factory, screenshot=args.screenshot, after=args.after, size=_size(args.size))
    if args.screenshot is not None:
        print(f"wrote {args.screenshot}")
    return int(result or 0)


def _list_demos() -> int:
    demos = installed_demos()
    print("Installed demos (run one with: compneurovis demo NAME):")
    for name in sorted(demos):
        doc = (demos[name].load().__doc__ or "").strip().splitlines()
        print(f"  {name:<18} {doc[0] if doc else ''}")
    missing = {extra for name, extra in KNOWN_DEMOS.items() if name not in demos}
    for extra in sorted(missing):
        names = ", ".join(sorted(n for n, e in KNOWN_DEMOS.items() if e == extra))
        print(f"  (not installed: {names}; pip install \"compneurovis[{extra}]\")")
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; raises `LauncherError` for user errors."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        if args.name is None:
            return _list_demos()
        return _open(find_demo(args.name), args)
    if args.command == "view":
        return _open(swc_session_factory(args.swc), args)
    if args.command == "render":
        count = render_recording(args.recording, mp4=args.mp4, png_dir=args.png_dir, fps=args.fps,
                                 size=_size(args.size))
        print(f"rendered {count} frames from {args.recording}")
        return 0
    if args.command == "export":
        for path in export_recording(args.recording, csv=args.csv, npz=args.npz, h5=args.h5,
                                     entities=args.entity):
            print(f"wrote {path}")
        return 0
    _parser().print_help()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``compneurovis``: one-line errors, tracebacks only with ``--debug``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return run(argv)
    except LauncherError as exc:
        if "--debug" in argv:
            traceback.print_exc()
        print(f"compneurovis: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a user sees one line unless --debug
        if "--debug" in argv:
            traceback.print_exc()
        print(f"compneurovis: error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1
