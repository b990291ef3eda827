"""``jx.read_swc``, remembered beside JAX's persistent compilation cache.

``jx.read_swc`` compiles and runs hundreds of small JAX programs (one
``jnp.interp`` per distinct branch length, then the solver set-up): most of a
Jaxley SWC demo's start-up. Even with JAX's compilation cache warm, each of
those programs is traced and lowered again to find its cache entry. The cell it
returns pickles in a fraction of a second, so when a JAX compilation cache
directory is configured (a CompNeuroVis worker sets one), the cell is kept
there, keyed by the SWC file's bytes, the reader's arguments and the versions
of everything that built it. A cache entry that cannot be read is removed and
the file read again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

import jax
import jaxley as jx
import numpy as np
import pandas as pd

log = logging.getLogger("compneurovis.jaxley")

#: Sub-folder of the JAX compilation cache that holds the cells.
FOLDER = "compneurovis-swc"
#: What unpickling a truncated, corrupt or foreign file raises.
_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, KeyError,
               TypeError, ValueError)


def _key(path: str, kwargs: dict[str, Any]) -> str:
    digest = hashlib.sha256(Path(path).read_bytes())
    versions = (jx.__version__, jax.__version__, np.__version__, pd.__version__, sys.version,
                bool(jax.config.jax_enable_x64), sorted((k, repr(v)) for k, v in kwargs.items()))
    digest.update(repr(versions).encode())
    return digest.hexdigest()


def read_swc_cached(path: str, *, cache_dir: str | None = None, **kwargs: Any) -> jx.Cell:
    """``jx.read_swc(path, **kwargs)``, from the cache when the same file was read before.

    ``cache_dir`` (default: JAX's compilation cache directory, if one is set)
    holds the cells in its ``compneurovis-swc`` folder; without either, this is
    ``jx.read_swc``.
    """
    root = cache_dir or jax.config.jax_compilation_cache_dir
    if not root:
        return jx.read_swc(path, **kwargs)
    entry = Path(root) / FOLDER / f"{_key(path, kwargs)}.pkl"
    if entry.exists():
        try:
            with entry.open("rb") as f:
                cell = pickle.load(f)
            if isinstance(cell, jx.Cell):
                return cell
            raise TypeError(f"not a jx.Cell but {type(cell).__name__}")
        except _UNREADABLE as exc:  # a truncated or foreign entry: read the file again
            log.warning("ignoring the cached cell %s (%s)", entry, exc)
            entry.unlink(missing_ok=True)
    cell = jx.read_swc(path, **kwargs)
    tmp: str | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=entry.parent, suffix=".tmp", delete=False) as f:
            tmp = f.name
            pickle.dump(cell, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:  # no cache then
        log.warning("could not cache the cell read from %s (%s)", path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return cell
