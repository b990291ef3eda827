"""`FramePacer`: what each view costs to draw, and which due views fit into one event-loop step.

The window redraws on the GUI thread. A draw that is slow on this machine
(a software OpenGL, a big window) must not turn into a long stall: the pacer
keeps a running average of each view's cost (the draw call itself plus, for
Qt widgets that paint later, the paint that follows), stretches a view's
refresh interval so that it uses at most ``max_busy`` of the wall time, and
lets one step draw more views only while they fit into ``budget``.
"""

from __future__ import annotations

from collections.abc import Iterable


class FramePacer:
    """Per-view draw costs and a per-step drawing budget.

    Args:
        budget: Seconds of drawing one step may take; a view that would push
            the step past it waits for the next step (the first view of a
            step is always drawn, so nothing starves). The default keeps a
            slow view alone in its step: on software GL the CA1 morphology
            takes 15-35 ms, and drawing the plots after it in the same step
            (then painting them) stalled the event loop for 50-100 ms many
            times a second (`bench_live`).
        max_busy: Largest share of wall time one view may spend drawing; its
            refresh interval is stretched to ``cost / max_busy`` when needed.
        smoothing: Weight of a new sample in the running average.
    """

    def __init__(self, budget: float = 0.012, max_busy: float = 0.5, smoothing: float = 0.3) -> None:
        self.budget = budget
        self.max_busy = max_busy
        self.smoothing = smoothing
        self._costs: dict[tuple[str, str], float] = {}

    def record(self, view_id: str, seconds: float, part: str = "draw") -> None:
        """Add a measured cost of ``view_id`` (``part`` ``"draw"`` or ``"paint"``)."""
        key = (view_id, part)
        old = self._costs.get(key)
        self._costs[key] = seconds if old is None else old + self.smoothing * (seconds - old)

    def cost(self, view_id: str, part: str | None = None) -> float:
        """Expected seconds to draw ``view_id`` (0 before it has been measured).

        Args:
            view_id: The view.
            part: ``"draw"`` or ``"paint"`` alone; both when ``None``.
        """
        if part is not None:
            return self._costs.get((view_id, part), 0.0)
        return self._costs.get((view_id, "draw"), 0.0) + self._costs.get((view_id, "paint"), 0.0)

    def interval(self, view_id: str, cap_interval: float) -> float:
        """Seconds between redraws of ``view_id``: its cap, stretched when its draws are slow."""
        return max(cap_interval, self.cost(view_id) / self.max_busy)

    def fits(self, view_id: str, spent: float) -> bool:
        """Whether ``view_id`` may still be drawn in a step that has already spent ``spent`` seconds."""
        return spent <= 0.0 or spent + self.cost(view_id) <= self.budget

    def forget(self, view_ids: Iterable[str] | None = None) -> None:
        """Drop the costs of ``view_ids`` (all when ``None``), e.g. after the views were rebuilt."""
        if view_ids is None:
            self._costs.clear()
            return
        gone = set(view_ids)
        self._costs = {k: v for k, v in self._costs.items() if k[0] not in gone}
