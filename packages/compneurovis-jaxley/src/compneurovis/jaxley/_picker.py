"""The variable picker of a `JaxleySession`: colour by any state or parameter of the module, while it runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from compneurovis.core import VARIABLE_CONTROL_ID, VariablePickerMixin

from ._variables import module_variables


class JaxleyVariablePicker(VariablePickerMixin):
    """Mixed into `JaxleySession`: a ``"variable"`` choice of every state and parameter of the module.

    The picker is added to the Scene unless the session defines a control of
    that id itself. Switching records the new name in the compiled step (one
    more compilation the first time a name is shown), restarts the history
    with it, and retitles the colour bar and trace plot with its unit. Spikes
    are still detected on ``v``.
    """

    picker_help = "The state or parameter the morphology is coloured by"

    def _list_variables(self) -> None:
        s: Any = self
        self.variables = module_variables(s.network)
        shown = s._stepper.state
        if shown not in self.variables:
            self.variables[shown] = "mV" if shown == "v" else ""

    @property
    def shown_variable(self) -> str:
        """The state or parameter the morphology is coloured by now."""
        return self._stepper.state  # type: ignore[attr-defined, no-any-return]

    def switch_variable(self, variable: str) -> None:
        """Colour by ``variable`` (a state such as ``"HH_m"`` or a parameter such as ``"HH_gNa"``) from now on.

        The history restarts with it.

        Raises:
            ValueError: If the module has no such variable (listing the available ones).
        """
        s: Any = self
        if variable not in self.variables:
            raise ValueError(f"unknown variable {variable!r}; available: {', '.join(self.variables)}")
        s._stepper.state = variable
        values = np.asarray(s._stepper.record(s._states, s._params), dtype=np.float32)
        missing = np.isnan(values)
        s._absent = missing if missing.any() else None
        s.control_values[VARIABLE_CONTROL_ID] = variable
        s._emit_variable_switch(variable, self.variables[variable], values, float(s.time),
                                missing=int(missing.sum()), noun="compartments",
                                color_limits=s.morphology_color_limits() if variable == "v" else None)
