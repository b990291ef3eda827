"""Fuzz the ``compneurovis`` command line: every bad value is argparse's exit 2 naming its option.

In-process for the parsing and checking (nothing starts: `parse` stops before
any session or window), and through the real command in a child process for
whole command lines whose input files do not exist (so no session starts).
"""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.requires("launcher")

MAX_SIDE = 8192

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-10**12, 10**12).map(str),
    st.sampled_from(["nan", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e-400", "0", "-0", " 1 ", "1_0",
                     "0x10", "", " ", "1/2", "٣", "1e308", "0.001", "86400", "86400.0001"]),
    st.text(max_size=12),
)
sizes = st.one_of(
    st.tuples(st.integers(-5, 20000), st.integers(-5, 20000), st.sampled_from(["x", "X", " x ", "*", ","]))
    .map(lambda t: f"{t[0]}{t[2]}{t[1]}"),
    st.sampled_from(["", "x", "640", "640x", "x480", "0x0", "1x1", "8192x8192", "8193x2", "2x8193",
                     "99999999999x2", "-2x-2", "640x480x3", "640.5x480", "\uff11\uff12x\uff13\uff14"]),
    st.text(max_size=12),
)
NUMERIC = {"--after": ("view", numbers), "--fps": ("render", numbers), "--size": ("view", sizes),
           "--ranks": ("demo", numbers), "--every": ("render", numbers)}
PATH_OPTIONS = {"--screenshot": "view", "--record": "demo", "--mp4": "render", "--png-dir": "render",
                "--csv": "export", "--npz": "export", "--h5": "export"}


def _cli():
    from compneurovis.launcher import _cli

    return _cli


def _base(command: str, tmp: Path) -> list[str]:
    """A valid command line for ``command``; fuzzed options are appended."""
    return {"view": ["view", "cell.swc"], "demo": ["demo", "fitzhugh-nagumo"],
            "render": ["render", "rec.h5", "--png-dir", str(tmp / "frames")],
            "export": ["export", "rec.h5", "--csv", str(tmp / "t.csv")]}[command]


def _parse(argv, capsys):
    """``(args, None)`` when accepted, ``(None, stderr)`` when refused (exit status 2 asserted)."""
    try:
        _parser, args = _cli().parse(argv)
    except SystemExit as exc:
        assert exc.code == 2, (argv, exc.code)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        return None, err
    return args, None


def _accepted_value(option: str, value) -> bool:
    if option == "--after":
        return math.isfinite(value) and 0 <= value <= 86400
    if option == "--fps":
        return math.isfinite(value) and 0.01 <= value <= 1000
    if option == "--ranks":
        return isinstance(value, int) and 1 <= value <= 1024
    if option == "--every":
        return isinstance(value, int) and 1 <= value <= 1_000_000
    return all(isinstance(v, int) and 1 <= v <= MAX_SIDE for v in value) and len(value) == 2


@pytest.mark.parametrize("option", sorted(NUMERIC))
def test_fuzzed_numeric_options_are_accepted_in_range_or_refused_naming_the_option(option, tmp_path, capsys):
    command, values = NUMERIC[option]

    @settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=values, joined=st.booleans())
    def check(value, joined):
        argv = [*_base(command, tmp_path), *([f"{option}={value}"] if joined else [option, value])]
        args, err = _parse(argv, capsys)
        if args is not None:
            assert _accepted_value(option, getattr(args, option[2:])), (argv, args)
        else:
            assert f"error: argument {option}" in err, (argv, err)

    check()


@pytest.mark.parametrize("option", sorted(PATH_OPTIONS))
def test_fuzzed_output_paths_are_accepted_if_writable_or_refused_naming_the_option(option, tmp_path, capsys):
    command = PATH_OPTIONS[option]
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    unwritable = Path("/sys") if os.geteuid() == 0 else tmp_path / "read-only"  # root writes anywhere else
    if os.geteuid() != 0:
        unwritable.mkdir()
        unwritable.chmod(0o555)
    places = st.sampled_from([tmp_path, tmp_path / "missing", a_file, unwritable, Path("/")])
    names = st.one_of(st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and s not in {".", ".."}),
                      st.sampled_from(["x" * 256, "out.png", ".", "..", "", "a\0b"]))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(place=places, name=names)
    def check(place, name):
        target = os.path.join(str(place), name) if name else str(place)
        args, err = _parse([*_base(command, tmp_path), option, target], capsys)
        if args is None:
            assert f"error: argument {option}" in err, (target, err)
            return
        written = Path(target)
        if option == "--png-dir":
            assert written.is_dir() and os.access(written, os.W_OK)
        else:
            assert written.parent.is_dir() and not written.is_dir() and "\0" not in target

    check()


def test_render_size_must_be_even_for_mp4_only(tmp_path, capsys):
    _args, err = _parse(["render", "rec.h5", "--mp4", str(tmp_path / "m.mp4"), "--size", "321x240"], capsys)
    assert "argument --size: MP4 (H.264) needs an even width and height, got 321x240 (try 322x240)" in err
    args, _ = _parse(["render", "rec.h5", "--png-dir", str(tmp_path / "f"), "--size", "321x240"], capsys)
    assert args.size == (321, 240)
    _args, err = _parse(["render", "rec.h5"], capsys)
    assert "say where to write: --mp4 out.mp4 and/or --png-dir frames/" in err


ANY_VALUE = st.one_of(numbers, sizes, st.text(max_size=30)).filter(lambda s: "\0" not in s)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["view", "demo", "render", "export"]),
       options=st.lists(st.tuples(st.sampled_from(["--after", "--fps", "--every", "--size", "--screenshot", "--record",
                                                   "--mp4", "--png-dir", "--csv", "--npz", "--h5", "--entity"]),
                                          ANY_VALUE),
                        max_size=3))
@example(command="view", options=[("--fps", "\r0")])  # a carriage return read back as a line break
def test_fuzzed_command_lines_through_the_real_command_never_show_a_traceback(command, options, tmp_path):
    missing = str(tmp_path / "no-such-input")  # the input never exists, so no session or window starts
    argv = [command, "no-such-demo" if command == "demo" else missing]
    for option, value in options:
        argv.append(f"{option}={value}")
    result = subprocess.run([sys.executable, "-m", "compneurovis", *argv], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "DISPLAY": ""}, check=False, cwd=tmp_path)
    assert result.returncode in (1, 2), (argv, result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, (argv, result.stderr)
    # the message is the one error line (a fuzzed value quoted in it may hold line breaks: look at every line;
    # not splitlines, which also breaks at U+0085 or U+2028 inside a value)
    prefixes = ("compneurovis: error:", f"compneurovis {command}: error:")
    assert any(line.startswith(prefixes) for line in result.stderr.split("\n")), (argv, result.stderr)
