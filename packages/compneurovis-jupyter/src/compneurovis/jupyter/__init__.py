"""CompNeuroVis in Jupyter: the live 3-D view, trace plot and controls as a notebook widget.

``viewer = show(target)`` shows a `Scene`, a session (class, factory or
instance), a recording or a ``tcp://`` URL; the cell's output is the widget.
The 3-D view is drawn offscreen by the desktop window's VTK code and streamed
as images through `jupyter_rfb`; the Scene's controls and actions become
ipywidgets. Another cell can read ``viewer.scene``, call
``viewer.set_control(id, value)``, ``pause()``, ``reset()``, ``screenshot()``
or ``close()``.

NEURON's ``show()`` run in a notebook draws into a `NotebookLink` (this
package's ``compneurovis.notebook`` entry point) instead of opening a window.
"""

from ._attached import NotebookLink
from ._canvas import MorphologyCanvas
from ._controls import ControlsBox, control_widget
from ._render import OffscreenMorphology
from ._source import InProcessSource, ThreadTransport, UpdateSource, make_source
from ._traces import TracePlot
from ._viewer import Viewer, close_all, show

__all__ = [
    "ControlsBox",
    "InProcessSource",
    "MorphologyCanvas",
    "NotebookLink",
    "OffscreenMorphology",
    "ThreadTransport",
    "TracePlot",
    "UpdateSource",
    "Viewer",
    "close_all",
    "control_widget",
    "make_source",
    "show",
]
