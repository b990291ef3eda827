"""Public Jaxley backend entrypoints for live session authoring."""

from ._fit_session import JaxleyFitSession
from ._scene_builder import JaxleySceneBuilder
from ._session import JaxleySession
from ._show import show
from ._swc_preview import SWC_PREVIEW_STATUS, swc_preview_scene
from ._variables import module_variables

__all__ = [
    "SWC_PREVIEW_STATUS",
    "JaxleyFitSession",
    "JaxleySceneBuilder",
    "JaxleySession",
    "module_variables",
    "show",
    "swc_preview_scene",
]
