"""Public Jaxley backend entrypoints for live session authoring."""

from ._scene_builder import JaxleySceneBuilder
from ._session import JaxleySession

__all__ = ["JaxleySceneBuilder", "JaxleySession"]
