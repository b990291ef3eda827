"""Recognising the commonest reason a spawned worker dies at once: a script without a ``__main__`` guard."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def unguarded_main_script() -> Path | None:
    """The script run as ``__main__`` if it never compares ``__name__``, else ``None``.

    Under the ``spawn`` and ``forkserver`` start methods the worker imports
    the parent's main script again before it runs the session. A script that
    starts a worker at module level, outside ``if __name__ == "__main__":``,
    then tries to start another worker while it is still booting, which
    ``multiprocessing`` refuses: the worker exits with code 1 and only the
    terminal shows why.
    """
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not path or not str(path).endswith(".py"):
        return None  # an interactive session, ``python -c`` or ``python -m`` of an installed module
    try:
        tree = ast.parse(Path(path).read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "__name__":
            return None
    return Path(path)
