"""Hypothesis fuzz of the Neurolucida, NeuroML and MorphIO readers, each file loaded in a child process.

Mutations of the small test files (lines dropped, duplicated, swapped, characters
replaced) and garbage: every file either loads or raises `MorphologyFormatError`
naming the file; NEURON never crashes or hangs the child. Run with ``-s`` for counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from cnv_fuzz_cases import draw_files
from hypothesis import strategies as st

CHILD = Path(__file__).with_name("morph_fuzz_child.py")
DATA = Path(__file__).with_name("data")
N_MUTATED = int(os.environ.get("CNV_FUZZ_MUTATED", "120"))  # raise it for a deeper local run
N_GARBAGE = 30
TIMEOUT_S = 180  # for one child's whole list of files
CHARS = "()|;\"<>/=& \n\t0123456789.-eE" + "xyzabc{}[]:\0\xe9"


@st.composite
def mutated(draw, source: bytes) -> bytes:
    """``source`` with a few random line- and character-level changes."""
    rng = draw(st.randoms(use_true_random=False))
    lines = source.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        how = rng.choice(["drop", "dup", "swap", "char", "cut", "insert"])
        k = rng.randrange(len(lines))
        if how == "drop" and len(lines) > 1:
            del lines[k]
        elif how == "dup":
            lines.insert(k, lines[k])
        elif how == "swap":
            j = rng.randrange(len(lines))
            lines[k], lines[j] = lines[j], lines[k]
        elif how == "char" and lines[k]:
            c = rng.randrange(len(lines[k]))
            lines[k] = lines[k][:c] + rng.choice(CHARS).encode("utf-8") + lines[k][c + 1:]
        elif how == "cut":
            lines = lines[:k + 1]
        else:
            lines.insert(k, "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 30))).encode("utf-8"))
    return b"\n".join(lines)


def _generate(tmp_path: Path, source: Path) -> list[tuple[str, Path]]:
    return draw_files(tmp_path, [("mutated", mutated(source.read_bytes()), N_MUTATED),
                                 ("garbage", st.binary(max_size=400), N_GARBAGE)], source.suffix)


def _load_in_child(paths: list[Path], reader: str, tmp_path: Path) -> tuple[dict[int, str], list[str]]:
    """Each file's outcome line; a crash or hang restarts after the file that caused it (and reports it)."""
    results: dict[int, str] = {}
    problems: list[str] = []
    start = 0
    while start < len(paths):
        listing = tmp_path / f"list{start}.txt"
        listing.write_text("".join(f"{p}\n" for p in paths[start:]))
        try:
            proc = subprocess.run([sys.executable, str(CHILD), str(listing), reader], capture_output=True,
                                  text=True, timeout=TIMEOUT_S, check=False, stdin=subprocess.DEVNULL)
            stdout, failed = proc.stdout, proc.returncode != 0
        except subprocess.TimeoutExpired as exc:
            stdout, failed = (exc.stdout or b"").decode(errors="replace"), True
        last = None
        for line in stdout.splitlines():
            parts = line.split(" ", 2)
            if parts[0] in ("START", "OK", "ERR") and len(parts) > 1 and parts[1].isdigit():
                index = start + int(parts[1])
                if parts[0] == "START":
                    last = index
                else:
                    results[index] = line
        if not failed:
            break
        if last is None:
            problems.append(f"child failed before the first file: {stdout[-500:]}")
            break
        problems.append(f"{paths[last]}: the child crashed or hung on it")
        start = last + 1
    return results, problems


@pytest.mark.parametrize(("reader", "source"), [("neurolucida", "small_cell.asc"), ("neuroml", "small_cell.xml"),
                                                ("morphio", "small_cell.h5"), ("morphio", "small_cell.asc")])
def test_fuzzed_files_load_or_raise_a_format_error_naming_the_file(reader, source, tmp_path):
    cases = _generate(tmp_path, DATA / source)
    results, problems = _load_in_child([p for _, p in cases], reader, tmp_path)
    counts: Counter[tuple[str, str]] = Counter()
    for i, (category, path) in enumerate(cases):
        line = results.get(i)
        if line is None:
            continue  # reported in problems (crash or hang)
        kind = line.split(" ", 1)[0]
        counts[category, kind] += 1
        if kind == "ERR":
            _, _, rest = line.split(" ", 2)
            error, _, message = rest.partition(" ")
            if error not in {"MorphologyFormatError", "NeurolucidaFormatError", "NeuroMLFormatError"} or \
                    str(path) not in message:
                problems.append(f"{path} ({category}): {error}: {message[:300]}")
    print(f"{reader} {source}: {dict(counts)}")
    assert not problems, "\n".join(problems[:10])
    assert counts["mutated", "OK"] > 0 and counts["mutated", "ERR"] > 0  # both paths exercised


@pytest.mark.parametrize("line", ["eby&", "Normal.", "High-", "x:"])
def test_a_character_neurons_lexer_reads_as_no_token_is_refused_not_looped_on(line, tmp_path):
    # found by the fuzz above: after a word, any such character sent Import3d_Neurolucida3 into an endless loop
    lines = (DATA / "small_cell.asc").read_text().splitlines()
    lines.insert(20, line)
    path = tmp_path / "loops.asc"
    path.write_text("\n".join(lines) + "\n")
    results, problems = _load_in_child([path], "neurolucida", tmp_path)
    assert not problems
    column = len(line)
    assert results[0].startswith(f"ERR 0 NeurolucidaFormatError {path}, line 21: malformed Neurolucida: "
                                 f"column {column}: {line[-1]!r} begins no token"), results[0]
