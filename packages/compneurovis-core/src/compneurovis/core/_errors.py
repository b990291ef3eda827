"""The one error type raised for malformed scenes, updates and commands."""

from __future__ import annotations


class SceneError(ValueError):
    """A scene, update or command does not fit the scene it is applied to.

    The message names the offending id (field, view, control, ...) and states
    expected versus actual shapes or values. A scene that raised this error is
    left exactly as it was before the rejected update.
    """
