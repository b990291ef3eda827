"""The variable picker of a `NeuronSession`: colour by any range variable of the model, while it runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from compneurovis.core import VariablePickerMixin

from ._sampler import RefSampler
from ._variables import model_variables, unit_of, variable_refs


class VariablePicker(VariablePickerMixin):
    """Mixed into `NeuronSession`: a ``"variable"`` choice of every range variable of the model.

    The picker is added to the Scene unless the session defines a control of
    that id itself. Switching reads the new variable's refs (NaN, drawn as
    "no value", where a section lacks it), restarts the history with it, and
    retitles the colour bar and trace plot with its unit.
    """

    picker_help = "The range variable the morphology is coloured by"

    def _list_variables(self) -> None:
        self.variables = model_variables(self.sections or [])  # type: ignore[attr-defined]
        self._shown_variable = self.display_variable()  # type: ignore[attr-defined]
        if self._shown_variable not in self.variables:
            self.variables[self._shown_variable] = unit_of(self._shown_variable)

    @property
    def shown_variable(self) -> str:
        """The range variable the morphology is coloured by now."""
        return self._shown_variable

    def switch_variable(self, variable: str) -> None:
        """Colour by ``variable`` from now on (the history restarts with it).

        Raises:
            ValueError: If the model has no such variable (listing the available ones).
        """
        from neuron import h

        s: Any = self
        if variable not in self.variables:
            raise ValueError(f"unknown variable {variable!r}; available: {', '.join(self.variables)}")
        refs, keep, missing = variable_refs(s.sections or [], variable)
        s._display = RefSampler([*refs, h._ref_t])
        s._display_refs, s._nan_keep = refs, keep
        s._span, s._span_token, s._spannable = None, None, variable == "v" and missing == 0
        s._traced = s._sampled_rows = None
        s._absent = np.isnan(s._display.view[:-1]) if missing else None
        self._shown_variable = variable
        unit = self.variables[variable]
        sample = s._display.read()
        now, values = float(sample[-1]), sample[:-1].astype(np.float32)
        s._emit_variable_switch(variable, unit, values, now, missing=missing,
                                color_limits=s.morphology_color_limits() if variable == "v" else None)
