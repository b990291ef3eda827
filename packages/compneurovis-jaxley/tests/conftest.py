"""Test setup for compneurovis-jaxley.

- The shared test models (``cnv_jaxley_testmodels``) are importable here and in
  spawned workers (which inherit ``sys.path``).
- JAX's persistent compilation cache points at a directory private to this
  test run, so worker processes reuse what the test process (and earlier
  workers) compiled: Jaxley compiles many small eager operations, and a cold
  worker would pay for all of them again. Set ``JAX_COMPILATION_CACHE_DIR``
  yourself to use another cache.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

_OWN_CACHE: str | None = None
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _OWN_CACHE = tempfile.mkdtemp(prefix="cnv-jaxley-tests-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _OWN_CACHE
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import jax  # noqa: E402  (after the environment above)

if _OWN_CACHE is not None:  # in case jax was imported before this file
    jax.config.update("jax_compilation_cache_dir", _OWN_CACHE)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def pytest_unconfigure(config):
    if _OWN_CACHE is not None:
        shutil.rmtree(_OWN_CACHE, ignore_errors=True)
