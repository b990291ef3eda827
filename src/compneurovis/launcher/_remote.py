"""``compneurovis serve`` and ``compneurovis connect``: simulate on one machine, watch from another."""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import os
import signal
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compneurovis.core import RecordingSession, RemoteError, serve

from . import _mpi
from . import _options as opt
from ._discovery import Interrupted, LauncherError, find_demo, swc_session_factory

COMMANDS = ("serve", "connect")


def add_commands(sub: Any) -> list[argparse.ArgumentParser]:
    """Add the ``serve`` and ``connect`` subcommands; returns their parsers."""
    serve_p = sub.add_parser("serve", help="run a session headless here; viewers connect to it over TCP",
                             description="Run a session headless and print the line a viewer pastes to watch it. "
                                         "TARGET is `demo NAME`, `module:SessionClass`, or an SWC file.")
    serve_p.add_argument("target", nargs="+", metavar="TARGET", help="demo NAME | module:SessionClass | FILE.swc")
    serve_p.add_argument("--host", default="127.0.0.1",
                         help="interface to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for all)")
    serve_p.add_argument("--port", type=_port, default=0, help="TCP port (default 0: any free port)")
    serve_p.add_argument("--token-file", metavar="PATH", type=opt.path,
                         help="read the token from this file (default: a fresh random token per run)")
    serve_p.add_argument("--record", metavar="PATH", type=opt.path,
                         help="record the session to this file, whoever is watching (as `demo --record`)")
    serve_p.add_argument("--tls-cert", metavar="PEM", type=opt.path, help="serve TLS with this certificate")
    serve_p.add_argument("--tls-key", metavar="PEM", type=opt.path, help="private key of --tls-cert")

    connect_p = sub.add_parser("connect", help="open the window on a session served with `compneurovis serve`")
    connect_p.add_argument("url", help="tcp://HOST:PORT#TOKEN (or tls://...) as `serve` printed it")
    connect_p.add_argument("--tls-ca", metavar="PEM", type=opt.path,
                           help="certificate to trust for tls:// (e.g. the server's self-signed one)")
    connect_p.add_argument("--screenshot", metavar="PATH", type=opt.path,
                           help="render offscreen (no display needed), write a PNG and exit")
    connect_p.add_argument("--after", metavar="SECONDS", type=opt.seconds, default=1.0,
                           help="with --screenshot: seconds of watching before the picture (default 1)")
    connect_p.add_argument("--size", metavar="WxH", type=opt.size, default=(1280, 800),
                           help=f"window/image size, at most {opt.MAX_SIDE} a side (default 1280x800)")
    return [serve_p, connect_p]


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
    return value


def validate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Option checks that need the file system; refuse with exit 2 before anything starts."""
    if args.command == "serve":
        opt.check_output_file(parser, "--record", args.record)
        if (args.tls_cert is None) != (args.tls_key is None):
            parser.error("--tls-cert and --tls-key go together")
        if args.target[0] == "demo" and len(args.target) != 2:
            parser.error("expected `serve demo NAME`")
        if args.target[0] != "demo" and len(args.target) != 1:
            parser.error(f"expected one TARGET, got {' '.join(args.target)!r}")
    else:
        opt.check_output_file(parser, "--screenshot", args.screenshot)


def session_factory(target: list[str]) -> Callable[[], Any]:
    """The Session factory a ``serve`` TARGET names.

    Raises:
        LauncherError: For an unknown demo, an unimportable ``module:Name``, or a bad SWC file.
    """
    if target[0] == "demo":
        return find_demo(target[1])
    spec = target[0]
    if ":" in spec and not Path(spec).exists():
        module_name, _, name = spec.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise LauncherError(f"{spec}: cannot import {module_name!r} ({exc})") from None
        try:
            obj = functools.reduce(getattr, name.split("."), module)
        except AttributeError:
            raise LauncherError(f"{spec}: module {module_name!r} has no {name!r}") from None
        if not callable(obj):
            raise LauncherError(f"{spec}: {name!r} is not a Session class or factory")
        return obj
    return swc_session_factory(Path(spec))


def _token(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise LauncherError(f"--token-file {path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    if not token or any(c.isspace() or c == "#" for c in token):
        raise LauncherError(f"--token-file {path}: expected one token (no spaces or '#'), "
                            f"got {'an empty file' if not token else 'more than that'}")
    return token


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[list[str]]:
    """SIGTERM and a first Ctrl+C stop the server between two steps; a second Ctrl+C interrupts at once.

    Stopping between steps keeps a ``--record`` file whole: an interrupt in
    the middle of writing an update would leave a block that does not add up.
    Ctrl+C is taken even where the process inherited it ignored (a job started
    in the background of a non-interactive shell), as the window does. Yields
    a list that holds ``"Ctrl+C"`` once Ctrl+C stopped the server.
    """
    how: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield how
        return

    def on_interrupt(*_: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        how.append("Ctrl+C")
        stop.set()
        os.write(2, b"compneurovis serve: stopping (Ctrl+C again to stop at once)\n")

    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    previous_int = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield how
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def run_serve(args: argparse.Namespace) -> int:
    """``compneurovis serve``: serve until Ctrl+C; prints one ``compneurovis connect URL`` line."""
    factory: Callable[[], Any] = session_factory(args.target)
    plain = factory  # what MPI followers make: only rank 0 records
    token = _token(args.token_file)
    context = None
    if args.tls_cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as exc:
            raise LauncherError(f"--tls-cert/--tls-key: cannot load ({exc})") from None
    if args.record is not None:
        factory = functools.partial(RecordingSession, factory, str(args.record))
    logging.basicConfig(level=logging.INFO, format="compneurovis serve: %(message)s", stream=sys.stderr)

    def ready(url: str) -> None:
        print(f"compneurovis connect {url}", flush=True)

    stop = threading.Event()

    def drive(make: Callable[[], Any]) -> int:
        serve(make, args.host, args.port, token, ssl_context=context, on_ready=ready, stop=stop)
        return 0

    try:
        with _stop_on_signals(stop) as how:
            if _mpi.under_mpiexec():  # rank 0 serves, the other ranks follow it
                status = _mpi.run_parallel(plain, lambda _plain: drive(factory))
                if status or _mpi.rank() != 0:
                    return status
            else:
                drive(factory)
    except OSError as exc:
        raise LauncherError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from None
    kept = f"recorded {args.record}" if args.record is not None else ""
    if how:
        raise Interrupted(f"stopped by Ctrl+C{'; ' + kept if kept else ''}")
    if kept:
        print(kept, file=sys.stderr)
    return 0


def run_connect(args: argparse.Namespace, open_window: Callable[[Any, argparse.Namespace], int]) -> int:
    """``compneurovis connect``: the usual window on a remote session (closing it leaves the server running)."""
    if args.tls_ca is not None:  # trusted by ssl.create_default_context() in this process
        os.environ["SSL_CERT_FILE"] = str(args.tls_ca)
    args.record = None
    try:
        return open_window(args.url, args)
    except (RemoteError, ValueError) as exc:
        raise LauncherError(str(exc)) from None
