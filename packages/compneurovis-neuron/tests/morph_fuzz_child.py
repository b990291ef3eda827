"""Child process of test_morphology_fuzz: load each file of a list with one reader; one line per file.

Usage: ``python morph_fuzz_child.py LIST READER``. For file ``i`` it prints
``START i`` before loading (so the parent knows which file killed it), then
``OK i <sections>`` or ``ERR i <type> <message>``.
"""

from __future__ import annotations

import sys


def main(list_path: str, reader: str) -> int:
    """Load every file of the list with ``reader``; return 0 when the list was done."""
    from compneurovis.neuron import load_morphology

    with open(list_path, encoding="utf-8") as handle:
        paths = [line.rstrip("\n") for line in handle if line.strip()]
    for i, path in enumerate(paths):
        print(f"START {i}", flush=True)
        try:
            sections = load_morphology(path, cell_name=f"fuzz{i}", reader=reader)
        except Exception as exc:  # noqa: BLE001 - the parent judges the type
            message = str(exc).replace("\n", " ")
            print(f"ERR {i} {type(exc).__name__} {message}", flush=True)
            continue
        count = len(sections)
        del sections
        print(f"OK {i} {count}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
