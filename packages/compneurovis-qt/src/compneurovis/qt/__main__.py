"""``python -m compneurovis.qt module:Target [--screenshot out.png --after 2]``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Any

from ._app import ScreenshotError, run_app


def load_target(spec: str) -> Any:
    """Import ``"package.module:Name"`` and return the object (a Session class, factory or Scene)."""
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise SystemExit(f"expected module:Name, got {spec!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m compneurovis.qt",
                                     description="Open a CompNeuroVis session in the Qt window.")
    parser.add_argument("target", help="module:SessionClass, module:factory or module:scene")
    parser.add_argument("--screenshot", metavar="PNG", help="render offscreen, write a PNG and exit")
    parser.add_argument("--after", type=float, default=2.0,
                        help="seconds of running session before the screenshot (default 2)")
    parser.add_argument("--size", default="1400x860", help="window size WxH (default 1400x860)")
    parser.add_argument("--theme", default="dark", choices=("dark", "light"))
    parser.add_argument("--timings", action="store_true",
                        help="print the time to the first frame; show sim rate and display latency "
                        "in the status bar (F2 toggles it)")
    parser.add_argument("--full-resolution", action="store_true",
                        help="draw live 3-D frames at full resolution (no adaptive resolution)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.timings else logging.WARNING,
                        format="%(name)s: %(message)s")
    width, _, height = args.size.lower().partition("x")
    target = load_target(args.target)

    def report(seconds: float) -> None:
        if args.timings:
            print(f"first frame: {seconds:.3f} s", flush=True)

    try:
        return run_app(target, screenshot=args.screenshot, after=args.after, size=(int(width), int(height)),
                       theme=args.theme, on_first_frame=report, show_timings=args.timings,
                       adaptive_resolution=not args.full_resolution)
    except ScreenshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
