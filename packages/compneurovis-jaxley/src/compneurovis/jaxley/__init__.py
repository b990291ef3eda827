"""Public Jaxley backend entrypoints for live session authoring."""

from ._fit_session import JaxleyFitSession
from ._scene_builder import JaxleySceneBuilder
from ._session import JaxleySession
from ._show import show
from ._variables import module_variables

__all__ = ["JaxleyFitSession", "JaxleySceneBuilder", "JaxleySession", "module_variables", "show"]
