"""Imports the modules of the built-in view drawings, which register themselves (`register_view`)."""

from . import _kymograph, _space_plot, _spike_raster, _trace_plot, _view3d_drawings

__all__ = ["_kymograph", "_space_plot", "_spike_raster", "_trace_plot", "_view3d_drawings"]
