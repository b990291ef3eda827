"""Child process of test_swc_fuzz: load each SWC file named in a list, report one line per file.

Usage: ``python swc_fuzz_child.py LIST`` where LIST holds one path per line.
For file ``i`` it prints ``START i`` before loading (so the parent knows which
file killed it, should NEURON crash), then ``OK i``, or ``ERR i <type> <message>``
for an exception, or ``BAD i <problem>`` for a built cell that NEURON could not
simulate (a section of zero length or a non-finite area).
"""

from __future__ import annotations

import math
import sys


def main(list_path: str) -> int:
    """Load every file of the list; return 0 when the list was done."""
    from compneurovis.neuron import load_swc

    with open(list_path, encoding="utf-8") as handle:
        paths = [line.rstrip("\n") for line in handle if line.strip()]
    for i, path in enumerate(paths):
        print(f"START {i}", flush=True)
        try:
            sections = load_swc(path, cell_name=f"fuzz{i}")
        except Exception as exc:  # noqa: BLE001 - the parent judges the type
            message = str(exc).replace("\n", " ")
            print(f"ERR {i} {type(exc).__name__} {message}", flush=True)
            continue
        problems = [
            f"{sec.name()} L={sec.L} area={sum(seg.area() for seg in sec)}"
            for sec in sections
            if not (sec.L > 0 and math.isfinite(sum(seg.area() for seg in sec)))
        ]
        del sections
        print(f"BAD {i} {'; '.join(problems)}" if problems else f"OK {i}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
