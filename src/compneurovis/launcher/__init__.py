"""The ``compneurovis`` command: list and run installed demos, open SWC files live.

Demos and SWC viewers are discovered through the ``compneurovis.demos`` and
``compneurovis.swc_viewers`` entry-point groups, so a missing backend is an
install hint, not an ImportError.
"""

from compneurovis.core import PREVIEW_PREFIX, is_preview

from ._cli import main, run
from ._discovery import (
    PREVIEW_STATUS,
    DemoSession,
    LauncherError,
    demo_session,
    find_demo,
    installed_demos,
    swc_session_factory,
)

__all__ = ["PREVIEW_PREFIX", "PREVIEW_STATUS", "DemoSession", "LauncherError", "demo_session", "find_demo",
           "installed_demos", "is_preview", "main", "run", "swc_session_factory"]
