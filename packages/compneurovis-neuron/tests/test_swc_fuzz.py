"""Hypothesis fuzz of SWC loading: any bytes load or give SwcFormatError naming the file; NEURON never crashes.

Hypothesis generates the files (valid trees written in random order, mutations
of the shipped CA1 cell, garbage); child processes load them in batches through
`load_swc` (Import3d included), so a segfault kills a child, not pytest, and the
file that killed it is known. Run with ``-s`` to see the case counts.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from cnv_fuzz_cases import draw_files
from hypothesis import strategies as st

from compneurovis.neuron import sample_swc_path

CHILD = Path(__file__).with_name("swc_fuzz_child.py")
CA1 = sample_swc_path().read_text().splitlines(keepends=True)
CA1_HEADER = [line for line in CA1 if line.startswith("#")]
CA1_DATA = [line for line in CA1 if line.strip() and not line.startswith("#")]
N_VALID, N_MUTATED, N_GARBAGE = 200, 250, 100
TOKENS = ["1e300", "-1e300", "nan", "inf", "0", "-0", "-1", "-2", "1.5", "abc", "1e-300", "0x10", "+3",
          "99999999999999999999999999", str(2**64 + 7), "\u0661\u0662", "--1", "1" * 5000, "1e5", "-7.25"]


def _soma(rng: random.Random, kind: str, centre: list[float], r: float) -> list[tuple]:
    """Soma rows (type, x, y, z, radius, parent index) in one of the conventions."""
    x, y, z = centre
    if kind == "one":
        return [(1, x, y, z, r, -1)]
    if kind == "two":
        return [(1, x, y, z, r, -1), (1, x, y, z, r, 0)]
    if kind == "three":
        return [(1, x, y, z, r, -1), (1, x, y - r, z, r, 0), (1, x, y + r, z, r, 0)]
    if kind == "contour":
        n = rng.randint(4, 20)
        return [(1, x + r * math.cos(2 * math.pi * i / n), y + r * math.sin(2 * math.pi * i / n), z,
                 rng.uniform(0.05, 0.4) * r, i - 1) for i in range(n)]
    if kind == "stack":
        return [(1, x, y + 2 * i, z, rng.uniform(0.5, 1.0) * r, i - 1) for i in range(rng.randint(2, 12))]
    return [(rng.choice([2, 3, 4]), x, y, z, r, -1)]  # no soma


@st.composite
def valid_trees(draw) -> bytes:
    """One tree within `validate_swc`'s rules, ids and line order random, formatting varied."""
    rng = draw(st.randoms(use_true_random=False))
    kind = draw(st.sampled_from(["none", "one", "two", "three", "contour", "stack"]))
    scale = draw(st.sampled_from([10.0, 1e3, 1e6]))
    rows = _soma(rng, kind, [rng.uniform(-scale, scale) for _ in range(3)], rng.uniform(0.5, 20.0))
    for _ in range(draw(st.integers(0, 40))):
        p = rng.randrange(len(rows))
        step = [0.0, 0.0, 0.0] if rng.random() < 0.05 else [rng.uniform(-20, 20) for _ in range(3)]
        rows.append((rng.choice([0, 2, 3, 3, 4, 5, 7, 12]), *(a + b for a, b in zip(rows[p][1:4], step, strict=True)),
                     rng.uniform(0.05, 5.0), p))
    ids = draw(st.sampled_from(["sequential", "offset", "huge"]))
    if ids == "sequential":
        names = list(range(1, len(rows) + 1))
    else:
        low = rng.randint(0, 1000) if ids == "offset" else 2**64
        names = rng.sample(range(low, low + 10 * len(rows) + 10), len(rows))
    order = list(range(len(rows)))
    how = draw(st.sampled_from(["file", "shuffled", "reversed"]))
    if how == "shuffled":
        rng.shuffle(order)
    elif how == "reversed":
        order.reverse()
    fmt = draw(st.sampled_from(["%.4f", "%g", "%.6e", "%r"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    out = ["# generated tree\n"] if rng.random() < 0.5 else []
    for k in order:
        t, x, y, z, r, p = rows[k]
        numbers = [fmt % v if fmt != "%r" else repr(v) for v in (x, y, z, r)]
        sep = rng.choice([" ", "\t", "  "])
        out.append(sep.join([str(names[k]), str(t), *numbers, str(names[p]) if p >= 0 else "-1"])
                   + (" # note" if rng.random() < 0.1 else "") + newline)
        if rng.random() < 0.05:
            out.append(newline)
    return "".join(out).encode()


def _mutate(rng: random.Random, lines: list[str]) -> list[str]:
    data = [i for i, line in enumerate(lines) if not line.startswith("#")]
    if not data:
        return lines
    i = rng.choice(data)
    fields = lines[i].split()
    what = rng.randrange(12)
    if what == 0:
        del lines[i]
    elif what == 1:
        j = rng.choice(data)
        lines[i], lines[j] = lines[j], lines[i]
    elif what == 2:
        lines.insert(rng.randrange(len(lines) + 1), lines[i])
    elif what == 3 and len(fields) == 7:
        fields[rng.randrange(7)] = rng.choice(TOKENS)
        lines[i] = " ".join(fields) + "\n"
    elif what == 4 and len(fields) == 7:  # self-parent
        lines[i] = " ".join([*fields[:6], fields[0]]) + "\n"
    elif what == 5 and len(fields) == 7:  # parent further down the file: often a cycle
        later = lines[min(i + rng.randint(1, 5), len(lines) - 1)].split()
        lines[i] = " ".join([*fields[:6], later[0] if later else "1"]) + "\n"
    elif what == 6:
        lines.insert(rng.randrange(len(lines) + 1), "#" + "x" * 40000 + "\n")
    elif what == 7 and len(fields) == 7:
        fields[rng.choice([2, 3, 4, 5])] = rng.choice(["0", "-3", "1e300", "1e-9", "-0.0", "5e6", "2e4"])
        lines[i] = " ".join(fields) + "\n"
    elif what == 8:
        rng.shuffle(lines)
    elif what == 9 and len(fields) == 7:  # retype
        fields[1] = rng.choice(["1", "2", "3", "4", "0", "-1", "7"])
        lines[i] = " ".join(fields) + "\n"
    elif what == 10:
        text = "".join(lines)
        cut = rng.randrange(len(text) + 1)
        lines[:] = [text[:cut]]
    else:
        text = "".join(lines)
        at = rng.randrange(len(text) + 1)
        lines[:] = [text[:at] + rng.choice(["\0", "\x1c", "#", " ", "\n", "-", "e", "\u2028", "9" * 30]) + text[at:]]
    return lines


@st.composite
def mutated_cells(draw) -> bytes:
    """The shipped CA1 cell (mostly its first 20-300 samples, a subtree), with 1-4 mutations."""
    rng = draw(st.randoms(use_true_random=False))
    size = len(CA1_DATA) if draw(st.integers(0, 49)) == 0 else draw(st.integers(20, 300))
    lines = CA1_HEADER + CA1_DATA[:size]
    for _ in range(draw(st.integers(1, 4))):
        lines = _mutate(rng, lines)
        if not any(line.strip() for line in lines):
            break
    return "".join(lines).encode("utf-8", "surrogatepass")


GARBAGE = st.one_of(
    st.binary(max_size=3000),
    st.text(alphabet="0123456789 .-e#\n\t+", max_size=600).map(str.encode),
    st.lists(st.lists(st.integers(-3, 12).map(str), min_size=6, max_size=8).map(" ".join), max_size=30)
    .map(lambda rows: "\n".join(rows).encode()),
)


def _generate(tmp_path: Path) -> list[tuple[str, Path]]:
    return draw_files(tmp_path, [("valid", valid_trees(), N_VALID), ("mutated", mutated_cells(), N_MUTATED),
                                 ("garbage", GARBAGE, N_GARBAGE)], ".swc")


def _load_in_children(paths: list[Path], tmp_path: Path) -> tuple[dict[int, str], list[str]]:
    """Load ``paths`` in as few children as possible; results per index, and deaths."""
    results: dict[int, str] = {}
    deaths: list[str] = []
    start = 0
    while start < len(paths):
        listing = tmp_path / f"list_{start}.txt"
        listing.write_text("".join(f"{p}\n" for p in paths[start:]))
        try:
            proc = subprocess.run([sys.executable, str(CHILD), str(listing)], capture_output=True, text=True,
                                  timeout=120, check=False, stdin=subprocess.DEVNULL)
            stdout, stderr, returncode = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:  # the child was killed: report the file it hung on
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            stderr, returncode = "hung for 120 s", "timeout"
        current = None
        for line in stdout.splitlines():
            tag, _, rest = line.partition(" ")
            number, _, detail = rest.partition(" ")
            if tag == "START":
                current = start + int(number)
            elif tag in ("OK", "ERR", "BAD"):
                results[start + int(number)] = f"{tag} {detail}"
                current = None
        if returncode == 0 and current is None:
            break
        if current is None:
            deaths.append(f"child exited {returncode} between files: {stderr[-2000:]}")
            break
        deaths.append(f"{paths[current]} killed the child (exit {returncode}): {stderr[-2000:]}")
        start = current + 1
    return results, deaths


@pytest.mark.slow
def test_any_swc_bytes_load_or_raise_swc_format_error(tmp_path, record_property):
    began = time.monotonic()
    cases = _generate(tmp_path)
    results, deaths = _load_in_children([path for _, path in cases], tmp_path)
    counts: Counter[str] = Counter()
    problems = list(deaths)
    for k, (category, path) in enumerate(cases):
        outcome = results.get(k, "MISSING")
        tag = outcome.split(" ", 1)[0]
        counts[category, tag] += 1
        if tag == "OK":
            continue
        text = path.read_bytes()[:300]
        if category == "valid":
            problems.append(f"valid tree refused: {outcome}\n{text!r}")
        elif tag != "ERR" or not outcome.startswith(f"ERR SwcFormatError {path}"):
            problems.append(f"{path}: {outcome[:500]}\n{text!r}")
    summary = ", ".join(
        f"{c}: {sum(n for (cat, _), n in counts.items() if cat == c)} "
        f"({counts[c, 'OK']} loaded, {counts[c, 'ERR']} refused)" for c in ("valid", "mutated", "garbage"))
    report = f"SWC fuzz: {len(cases)} files in {time.monotonic() - began:.1f} s; {summary}"
    record_property("swc_fuzz", report)  # in the JUnit XML
    print("\n" + report)
    assert not problems, "\n\n".join(problems[:10])
    assert len(cases) >= 500 and counts["valid", "OK"] == N_VALID
    assert counts["mutated", "OK"] > 0 and counts["mutated", "ERR"] > 0  # both paths exercised
