"""CompNeuroVis core: the data model, the protocol, sessions and the worker transport.

Depends on numpy only. Simulator backends and frontends build on it; a
third-party backend can be written against this package alone.
"""

from ._attach import AttachedTransport, ViewerClosed, ViewerLink, open_viewer_link
from ._backends import import_part
from ._camera import CAMERA_PRESETS, Camera
from ._categories import (
    CATEGORY_COLORS,
    SECTION_TYPES,
    category_field,
    cell_field,
    check_category_field,
    population_field,
    section_type,
    section_type_field,
)
from ._coalesce import UpdateCoalescer
from ._codec import decode, encode, from_plain, to_plain
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
from ._events import (
    DEFAULT_MAX_SPIKES,
    SPIKE_FIELD_ID,
    check_spike_field,
    spike_append,
    spike_field,
    spikes_by_cell,
    threshold_crossings,
)
from ._export import export_csv, export_npz, history_fields
from ._field import Field
from ._geometry import Geometry, GridGeometry, MorphologyGeometry
from ._history import HistoryCaptureMode
from ._layout import LayoutSpec, PanelSpec
from ._live import CommandContext, LiveMorphologySession
from ._net_client import RemoteTransport, connect
from ._net_server import SessionServer, serve
from ._net_wire import RemoteError, is_remote_url
from ._network_views import KymographViewSpec, SpacePlotViewSpec, SpikeRasterViewSpec
from ._paths import default_path, entity_path, path_distances, path_profile
from ._protocol import (
    PROTOCOL_VERSION,
    DisplayFrame,
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
from ._recording_h5 import export_hdf5
from ._recording_session import RecordingSession
from ._replay import ReplaySession
from ._scene import Scene
from ._scene_builder import MorphologySceneBuilder
from ._segment_marks import MARK_KINDS, SegmentMark
from ._session import PREVIEW_PREFIX, BufferedSession, Session, is_preview, remember_scene_of, startup_scene_of
from ._style import MorphologyStyle
from ._trace_buffer import TraceBuffer
from ._transport import WORKER_ENV, WorkerTransport
from ._variable_picker import (
    VARIABLE_CONTROL_ID,
    VariablePickerMixin,
    add_variable_picker,
    variable_picker_spec,
    variable_switch_updates,
)
from ._version import __version__
from ._view_base import DEFAULT_MAX_REFRESH_HZ, ViewSpec
from ._view_panels import add_view
from ._viewer import CAMERA_KEYS, Viewer, ViewerDriver, check_camera
from ._views import AxisMark, LinePlotViewSpec, MorphologyViewSpec, SurfaceViewSpec
from ._wire import register_type, wire

__all__ = [
    "CAMERA_KEYS",
    "CAMERA_PRESETS",
    "CATEGORY_COLORS",
    "DEFAULT_MAX_REFRESH_HZ",
    "DEFAULT_MAX_SPIKES",
    "MARK_KINDS",
    "PRESENTATIONS",
    "PREVIEW_PREFIX",
    "PROTOCOL_VERSION",
    "SECTION_TYPES",
    "SPIKE_FIELD_ID",
    "UNMARKED_ACTIONS",
    "WORKER_ENV",
    "ActionSpec",
    "AttachedTransport",
    "AxisMark",
    "BoolValueSpec",
    "BufferedSession",
    "Camera",
    "ChoiceValueSpec",
    "CommandContext",
    "ControlSpec",
    "DisplayFrame",
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
    "KymographViewSpec",
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
    "RemoteError",
    "RemoteTransport",
    "Recording",
    "RecordingSession",
    "ReplaySession",
    "Reset",
    "ScalarValueSpec",
    "Scene",
    "SceneError",
    "ScenePatch",
    "SceneReady",
    "SegmentMark",
    "Session",
    "SessionCommand",
    "SessionServer",
    "SessionUpdate",
    "SetControl",
    "SpacePlotViewSpec",
    "SpikeRasterViewSpec",
    "StatePatch",
    "Status",
    "StopSession",
    "SurfaceViewSpec",
    "TraceBuffer",
    "UpdateCoalescer",
    "VARIABLE_CONTROL_ID",
    "VariablePickerMixin",
    "ValueSpec",
    "ViewSpec",
    "Viewer",
    "ViewerClosed",
    "ViewerDriver",
    "ViewerLink",
    "WorkerTransport",
    "XYValueSpec",
    "__version__",
    "add_variable_picker",
    "add_view",
    "category_field",
    "cell_field",
    "check_camera",
    "check_category_field",
    "check_spike_field",
    "connect",
    "decode",
    "default_path",
    "encode",
    "entity_path",
    "event_mark",
    "export_csv",
    "export_hdf5",
    "export_npz",
    "from_plain",
    "history_fields",
    "import_part",
    "is_preview",
    "is_remote_url",
    "marked_frames",
    "open_viewer_link",
    "path_distances",
    "path_profile",
    "population_field",
    "read_recording",
    "register_type",
    "remember_scene_of",
    "section_type",
    "serve",
    "section_type_field",
    "spike_append",
    "spike_field",
    "spikes_by_cell",
    "startup_scene_of",
    "threshold_crossings",
    "to_plain",
    "variable_picker_spec",
    "variable_switch_updates",
    "wire",
]
