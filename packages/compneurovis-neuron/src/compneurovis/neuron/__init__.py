"""Public NEURON backend entrypoints for live session authoring."""

import os as _os

# CompNeuroVis draws everything itself: run NEURON without its InterViews GUI, so a
# set-but-unusable DISPLAY (e.g. DISPLAY="" in a headless worker) cannot make NEURON
# exit the process. An explicit NEURON_MODULE_OPTIONS is left alone.
_os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")

from ._scene_builder import NeuronSceneBuilder
from ._session import NeuronSession
from ._swc import (
    DEFAULT_MAX_SEGMENT_LENGTH,
    SwcFormatError,
    SwcSections,
    load_swc,
    odd_nseg,
    sample_swc_path,
    set_nseg,
    validate_swc,
)
from ._swc_session import SwcCellSession

__all__ = [
    "DEFAULT_MAX_SEGMENT_LENGTH",
    "NeuronSceneBuilder",
    "NeuronSession",
    "SwcCellSession",
    "SwcFormatError",
    "SwcSections",
    "load_swc",
    "odd_nseg",
    "sample_swc_path",
    "set_nseg",
    "validate_swc",
]
