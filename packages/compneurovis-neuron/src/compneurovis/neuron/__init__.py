"""Public NEURON backend entrypoints for live session authoring."""

import os as _os

# CompNeuroVis draws everything itself: run NEURON without its InterViews GUI, so a
# set-but-unusable DISPLAY (e.g. DISPLAY="" in a headless worker) cannot make NEURON
# exit the process. An explicit NEURON_MODULE_OPTIONS is left alone.
_os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")

from ._marks import STIMULUS_TYPES, find_marks, segment_marks
from ._morphology_checks import NeurolucidaFormatError, NeuroMLFormatError
from ._morphology_files import MORPHOLOGY_READERS, load_morphology, validate_morphology
from ._mpi import RankError, mpi_active, mpi_init, mpi_rank, run_follower, run_parallel
from ._scene_builder import NeuronSceneBuilder
from ._session import NeuronSession
from ._show import DEFAULT_DISPLAY_DT, show
from ._show_session import VARIABLE_CONTROL_ID, ShowSession
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
from ._swc_read import MorphologyFormatError
from ._swc_session import SwcCellSession

__all__ = [
    "DEFAULT_DISPLAY_DT",
    "DEFAULT_MAX_SEGMENT_LENGTH",
    "MORPHOLOGY_READERS",
    "STIMULUS_TYPES",
    "VARIABLE_CONTROL_ID",
    "MorphologyFormatError",
    "NeuroMLFormatError",
    "NeurolucidaFormatError",
    "NeuronSceneBuilder",
    "NeuronSession",
    "RankError",
    "ShowSession",
    "SwcCellSession",
    "SwcFormatError",
    "SwcSections",
    "find_marks",
    "load_morphology",
    "load_swc",
    "mpi_active",
    "mpi_init",
    "mpi_rank",
    "odd_nseg",
    "run_follower",
    "run_parallel",
    "sample_swc_path",
    "segment_marks",
    "set_nseg",
    "show",
    "validate_morphology",
    "validate_swc",
]
