"""The Scene of a `JaxleyFitSession`: morphology, loss curve, trace against target, controls."""

from __future__ import annotations

import numpy as np

from compneurovis.core import (
    ActionSpec,
    ChoiceValueSpec,
    ControlSpec,
    Field,
    LayoutSpec,
    LinePlotViewSpec,
    MorphologyGeometry,
    MorphologyViewSpec,
    PanelSpec,
    ScalarValueSpec,
    Scene,
)

#: Field ids of a fit session.
DISPLAY_FIELD = "fit_display"
PARAMETERS_FIELD = "fit_parameters"
GRADIENTS_FIELD = "fit_gradients"
LOSS_FIELD = "fit_loss"
TRACE_FIELD = "fit_trace"
#: View ids (each in a panel of the same id).
MORPHOLOGY_VIEW, LOSS_VIEW, TRACE_VIEW = "morphology", "loss", "trace"
#: The dim of the simulated traces' own time (the Scene's ``time`` is the iteration).
TRACE_TIME_DIM = "trace_time"


def display_style(name: str, show: str) -> dict[str, object]:
    """The morphology view's colouring for parameter ``name`` shown as ``"value"`` or ``"gradient"``."""
    if show == "gradient":
        return {"color_map": "diverging", "color_norm": "symmetric", "color_limits": None,
                "title": f"d loss / d {name}"}
    return {"color_map": "scalar", "color_norm": "auto", "color_limits": None, "title": name}


def series_names(n_recordings: int) -> list[str]:
    """Series of the trace field: per recording, ``simulated`` then ``target`` (numbered if several)."""
    if n_recordings == 1:
        return ["simulated", "target"]
    return [f"{kind} {r}" for r in range(n_recordings) for kind in ("simulated", "target")]


def trace_values(simulated: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``(2 * n_recordings, n_samples)``: simulated and target rows interleaved as `series_names` says."""
    out = np.empty((2 * simulated.shape[0], simulated.shape[1]), dtype=np.float64)
    out[0::2], out[1::2] = simulated, target
    return out


def control_specs(names: list[str], learning_rate: float | None) -> dict[str, ControlSpec]:
    """The parameter shown, value or gradient, and (when the optimizer injects one) the learning rate."""
    controls = {
        "parameter": ControlSpec(id="parameter", label="Parameter shown",
                                 value_spec=ChoiceValueSpec(options=tuple(names), default=names[0]),
                                 help="The trained parameter the morphology is coloured by"),
        "show": ControlSpec(id="show", label="Colour by",
                            value_spec=ChoiceValueSpec(options=("value", "gradient"), default="value"),
                            help="The parameter's value, or the loss's gradient with respect to it "
                                 "(diverging colours centred at 0; grey: not trained there)"),
    }
    if learning_rate is not None:
        controls["learning_rate"] = ControlSpec(
            id="learning_rate", label="Learning rate",
            value_spec=ScalarValueSpec(default=learning_rate, min=learning_rate / 100, max=learning_rate * 100,
                                       scale="log"),
            help="The optimizer's injected learning rate (optax.inject_hyperparams)")
    return controls


def action_specs() -> dict[str, ActionSpec]:
    """Reset (Space), pause (P) and one iteration (Right)."""
    return {
        "reset": ActionSpec(id="reset", label="Restart fit", shortcuts=("Space",),
                            help="Start again from the initial parameters with a fresh optimizer state"),
        "pause": ActionSpec(id="pause", label="Pause / resume", shortcuts=("P",), help="Pause or resume the fit"),
        "step": ActionSpec(id="step", label="One iteration", shortcuts=("Right",),
                           help="Pause and run one optimisation step"),
    }


def build_fit_scene(*, geometry: MorphologyGeometry, names: list[str], parameters: np.ndarray,
                    gradients: np.ndarray, display: np.ndarray, trace_times: np.ndarray, traces: np.ndarray,
                    n_recordings: int, learning_rate: float | None, title: str) -> Scene:
    """The first Scene of a fit: no loss yet, the traces and fields of the initial parameters."""
    segments = np.asarray(geometry.entity_ids)
    per_comp = {"parameter": np.asarray(names), "segment": segments}
    fields = [
        Field(DISPLAY_FIELD, np.asarray(display, dtype=np.float32), ("segment",), {"segment": segments}),
        Field(PARAMETERS_FIELD, parameters, ("parameter", "segment"), per_comp),
        Field(GRADIENTS_FIELD, gradients, ("parameter", "segment"), per_comp),
        Field(LOSS_FIELD, np.empty(0), ("time",), {"time": np.empty(0)}),
        Field(TRACE_FIELD, traces, ("series", TRACE_TIME_DIM),
              {"series": np.asarray(series_names(n_recordings)), TRACE_TIME_DIM: trace_times}, "mV"),
    ]
    views = [
        MorphologyViewSpec(id=MORPHOLOGY_VIEW, geometry_id=geometry.id, color_field_id=DISPLAY_FIELD,
                           **display_style(names[0], "value")),  # type: ignore[arg-type]
        LinePlotViewSpec(id=LOSS_VIEW, field_id=LOSS_FIELD, x_dim="time", series_dim=None, title="Loss",
                         x_label="Iteration", x_unit=None, y_label="Loss"),
        LinePlotViewSpec(id=TRACE_VIEW, field_id=TRACE_FIELD, x_dim=TRACE_TIME_DIM, series_dim="series",
                         title="Simulated vs target", x_label="Time", x_unit="ms", y_label="Recorded",
                         y_unit="mV"),
    ]
    controls, actions = control_specs(names, learning_rate), action_specs()
    panels = [
        PanelSpec(id=MORPHOLOGY_VIEW, kind="view_3d", view_ids=(MORPHOLOGY_VIEW,)),
        PanelSpec(id=LOSS_VIEW, kind="line_plot", view_ids=(LOSS_VIEW,), title="Loss"),
        PanelSpec(id=TRACE_VIEW, kind="line_plot", view_ids=(TRACE_VIEW,), title="Simulated vs target"),
        PanelSpec(id="controls", kind="controls", title="Fit", control_ids=tuple(controls),
                  action_ids=tuple(actions)),
    ]
    layout = LayoutSpec(columns=((MORPHOLOGY_VIEW,), (LOSS_VIEW, TRACE_VIEW, "controls")),
                        column_weights=(3.0, 2.0))
    scene = Scene(fields=fields, geometries=[geometry], views=views, controls=list(controls.values()),
                  actions=list(actions.values()), panels=panels, layout=layout, title=title,
                  time_label="iteration", time_unit="")  # the Scene's time counts iterations
    scene.state.update({cid: spec.default for cid, spec in controls.items()})
    return scene
