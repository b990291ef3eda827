"""The ``compneurovis`` command: list and run demos, open an SWC file live."""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from compneurovis.core import RecordingSession, WorkerTransport

from . import _mpi, _remote
from . import _options as opt
from ._discovery import KNOWN_DEMOS, Interrupted, LauncherError, demo_session, installed_demos, swc_session_factory
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
    _mpi.add_ranks_option(demo)

    view = sub.add_parser("view", help="open a morphology live in a default NEURON session")
    view.add_argument("swc", metavar="FILE", type=opt.path,
                      help="a morphology: .swc, Neurolucida .asc, NeuroML .xml/.nml, or MorphIO .h5")
    _add_window_options(view)

    render = sub.add_parser("render", help="render a recording offscreen to MP4 or PNG frames")
    render.add_argument("recording", type=opt.path, help="a file written with --record")
    render.add_argument("--mp4", type=opt.path, help="MP4 file to write (ffmpeg ships with imageio-ffmpeg)")
    render.add_argument("--png-dir", type=opt.path, help="folder for numbered PNG frames")
    render.add_argument("--fps", type=opt.fps, default=30.0, help="frames per second of the movie (default 30)")
    render.add_argument("--every", type=opt.every, default=1, metavar="N",
                        help="draw every Nth recorded frame (the traces still get every sample): a movie N times "
                             "faster and N times shorter (default 1: every frame)")
    render.add_argument("--size", metavar="WxH", type=opt.size, default=(1280, 720),
                        help=f"frame size, even for MP4, at most {opt.MAX_SIDE} a side (default 1280x720)")
    render.add_argument("--camera", type=opt.camera, metavar="PRESET|P:F:U",
                        help="view every morphology from a preset (front, side, top, isometric) or from "
                             "PX,PY,PZ:FX,FY,FZ:UX,UY,UZ (position:focal point:view up)")

    export = sub.add_parser("export", help="export a recording's traces to CSV, its history to NPZ, all to HDF5")
    export.add_argument("recording", type=opt.path, help="a file written with --record")
    export.add_argument("--csv", type=opt.path, help="CSV of the traced entities (time + one column each)")
    export.add_argument("--entity", action="append", help="entity id to put in the CSV (repeatable)")
    export.add_argument("--npz", type=opt.path, help="NPZ of every history field with its coordinates")
    export.add_argument("--h5", type=opt.path, help="HDF5 of the whole recording (frames, all history, events)")
    remote = _remote.add_commands(sub)
    for command in (demo, view, render, export, *remote):  # errors found after parsing show the command's own usage
        command.set_defaults(command_parser=command)
    return parser


def _add_window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--screenshot", metavar="PATH", type=opt.path,
                        help="render offscreen (no display needed), write a PNG and exit")
    parser.add_argument("--after", metavar="SECONDS", type=opt.seconds, default=1.0,
                        help="with --screenshot: seconds of simulation before the picture (default 1)")
    parser.add_argument("--size", metavar="WxH", type=opt.size, default=(1280, 800),
                        help=f"window/image size, at most {opt.MAX_SIDE} a side (default 1280x800)")
    parser.add_argument("--record", metavar="PATH", type=opt.path,
                        help="record the session (Scene, every update, control changes) to this file "
                             "(a crash-safe log; `export --h5` converts it to HDF5)")


def _validate(args: argparse.Namespace) -> None:
    """Checks that involve several options or the file system; refuse with exit 2 before anything starts."""
    parser = getattr(args, "command_parser", None)
    if parser is None:
        return
    if args.command in _remote.COMMANDS:
        _remote.validate(args, parser)
    elif args.command in ("demo", "view"):
        opt.check_output_file(parser, "--screenshot", args.screenshot)
        opt.check_output_file(parser, "--record", args.record)
    elif args.command == "render":
        if args.mp4 is None and args.png_dir is None:
            parser.error("say where to write: --mp4 out.mp4 and/or --png-dir frames/")
        if args.mp4 is not None and (args.size[0] % 2 or args.size[1] % 2):
            width, height = args.size
            parser.error(f"argument --size: MP4 (H.264) needs an even width and height, got {width}x{height} "
                         f"(try {width + width % 2}x{height + height % 2})")
        opt.check_output_file(parser, "--mp4", args.mp4)
        opt.check_output_dir(parser, "--png-dir", args.png_dir)
    elif args.command == "export":
        opt.check_output_file(parser, "--csv", args.csv)
        opt.check_output_file(parser, "--npz", args.npz)
        opt.check_output_file(parser, "--h5", args.h5)


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
    if importlib.util.find_spec("compneurovis.qt") is None:
        raise LauncherError("the Qt frontend is not installed; pip install compneurovis-qt")
    if callable(factory):  # not the URL of a session served elsewhere (--ranks)
        # started before the window's modules load (Qt, VTK, pyqtgraph: most of a second), so the session
        # builds its model meanwhile; run_app closes it
        factory = WorkerTransport(factory).start()
    try:
        from compneurovis.qt import ScreenshotError, run_app
    except ImportError as exc:
        if isinstance(factory, WorkerTransport):
            factory.close()
        raise LauncherError(f"the Qt frontend does not load ({exc}); pip install compneurovis-qt") from exc
    def waiting(_seconds: float) -> None:  # the wait for the picture has begun: a long one says so
        if args.after >= 5:
            print(f"compneurovis: drawing offscreen; the screenshot comes {args.after:g} s after the first Scene "
                  "(Ctrl+C stops)", file=sys.stderr, flush=True)

    try:
        result = run_app(factory, screenshot=args.screenshot, after=args.after, size=args.size,
                         on_first_frame=waiting if args.screenshot is not None else None)
    except ScreenshotError as exc:
        raise LauncherError(str(exc)) from exc
    finally:
        if isinstance(factory, WorkerTransport):  # run_app closes it, unless it raised before taking it
            factory.close()
    if args.screenshot is not None and result == 0:
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


def parse(argv: Sequence[str] | None = None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    """Parse and check ``argv``; a bad value exits with status 2 and a message naming its option."""
    parser = _parser()
    args = parser.parse_args(argv)
    _validate(args)
    return parser, args


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; raises `LauncherError` for user errors."""
    parser, args = parse(argv)
    if args.command == "demo":
        if args.name is None:
            return _list_demos()
        # an unknown demo is refused here (before mpiexec starts); a screenshot shows the session, not a preview
        session = demo_session(args.name, preview=args.screenshot is None)
        if args.ranks is not None:
            return _mpi.run_demo_on_ranks(args.name, args, _open)
        return _open(session, args)  # the worker imports the backend, the window need not
    if args.command == "view":
        return _open(swc_session_factory(args.swc), args)
    if args.command == "serve":
        return _remote.run_serve(args)
    if args.command == "connect":
        return _remote.run_connect(args, _open)
    if args.command == "render":
        count = render_recording(args.recording, mp4=args.mp4, png_dir=args.png_dir, fps=args.fps,
                                 size=args.size, camera=args.camera, every=args.every)
        print(f"rendered {count} frames from {args.recording}")
        return 0
    if args.command == "export":
        for path in export_recording(args.recording, csv=args.csv, npz=args.npz, h5=args.h5,
                                     entities=args.entity):
            print(f"wrote {path}")
        return 0
    parser.print_help()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``compneurovis``: one-line errors, tracebacks only with ``--debug``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return run(argv)
    except Interrupted as exc:
        print(f"compneurovis: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("compneurovis: interrupted", file=sys.stderr)
        return 130
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
