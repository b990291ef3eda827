"""CompNeuroVis core: the data model, the protocol, sessions and the worker transport.

Depends on numpy only. Simulator backends and frontends build on it; a
third-party backend can be written against this package alone.
"""

from ._backends import import_part
from ._coalesce import UpdateCoalescer
from ._codec import decode, encode, from_plain, register_type, to_plain
from ._controls import (
    PRESENTATIONS,
    ActionSpec,
    BoolValueSpec,
    ChoiceValueSpec,
    ControlSpec,
    ScalarValueSpec,
    ValueSpec,
    XYValueSpec,
)
from ._errors import SceneError
from ._event_marks import UNMARKED_ACTIONS, event_mark, marked_frames
from ._export import export_csv, export_npz, history_fields
from ._field import Field
from ._geometry import Geometry, GridGeometry, MorphologyGeometry
from ._history import HistoryCaptureMode
from ._layout import LayoutSpec, PanelSpec
from ._live import CommandContext, LiveMorphologySession
from ._protocol import (
    PROTOCOL_VERSION,
    EntityClicked,
    Error,
    FieldAppend,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    LayoutReplace,
    PanelPatch,
    Reset,
    ScenePatch,
    SceneReady,
    SessionCommand,
    SessionUpdate,
    SetControl,
    StatePatch,
    Status,
    StopSession,
)
from ._recording import Recorder, Recording, read_recording
from ._recording_session import RecordingSession
from ._replay import ReplaySession
from ._scene import Scene
from ._scene_builder import MorphologySceneBuilder
from ._session import BufferedSession, Session
from ._style import MorphologyStyle
from ._trace_buffer import TraceBuffer
from ._transport import WORKER_ENV, WorkerTransport
from ._version import __version__
from ._views import AxisMark, LinePlotViewSpec, MorphologyViewSpec, SurfaceViewSpec, ViewSpec

__all__ = [
    "PRESENTATIONS",
    "PROTOCOL_VERSION",
    "UNMARKED_ACTIONS",
    "ActionSpec",
    "AxisMark",
    "BoolValueSpec",
    "BufferedSession",
    "ChoiceValueSpec",
    "CommandContext",
    "ControlSpec",
    "EntityClicked",
    "Error",
    "Field",
    "FieldAppend",
    "FieldReplace",
    "Geometry",
    "GridGeometry",
    "HistoryCaptureMode",
    "InvokeAction",
    "KeyPressed",
    "LayoutReplace",
    "LayoutSpec",
    "LinePlotViewSpec",
    "LiveMorphologySession",
    "MorphologyGeometry",
    "MorphologySceneBuilder",
    "MorphologyStyle",
    "MorphologyViewSpec",
    "PanelPatch",
    "PanelSpec",
    "Recorder",
    "Recording",
    "RecordingSession",
    "ReplaySession",
    "Reset",
    "ScalarValueSpec",
    "Scene",
    "SceneError",
    "ScenePatch",
    "SceneReady",
    "Session",
    "SessionCommand",
    "SessionUpdate",
    "SetControl",
    "StatePatch",
    "Status",
    "StopSession",
    "SurfaceViewSpec",
    "TraceBuffer",
    "UpdateCoalescer",
    "ValueSpec",
    "ViewSpec",
    "WorkerTransport",
    "WORKER_ENV",
    "XYValueSpec",
    "__version__",
    "decode",
    "encode",
    "event_mark",
    "export_csv",
    "export_npz",
    "from_plain",
    "history_fields",
    "import_part",
    "marked_frames",
    "read_recording",
    "register_type",
    "to_plain",
]
