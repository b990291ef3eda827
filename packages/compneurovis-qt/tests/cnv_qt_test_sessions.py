"""Sessions for tests that run in a spawned worker (importable there via sys.path)."""

from __future__ import annotations

from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable


class FailingCable(FitzHughNagumoCable):
    """Shows its Scene, then fails on the third advance."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def advance(self) -> None:
        self.calls += 1
        if self.calls >= 3:
            raise RuntimeError("boom: the model diverged on purpose")
        super().advance()


class FailsBeforeScene(FitzHughNagumoCable):
    """Its initialize() raises: no Scene ever reaches the window."""

    def initialize(self):
        raise ValueError("cell.swc, line 7: no soma on purpose")

    @classmethod
    def startup_scene(cls):
        return None


class NeverDraws(FitzHughNagumoCable):
    """Its initialize() returns no Scene and the session idles: nothing is ever drawn."""

    def initialize(self):
        return None

    @classmethod
    def startup_scene(cls):
        return None

    def is_live(self) -> bool:
        return False


class PreviewsFirst(FitzHughNagumoCable):
    """Shows its cable grey (a preview) for a second before its own Scene."""

    def build_model(self):
        import time

        geometry = super().build_model()
        self.show_preview(self.morphology_preview(geometry, "building the cable"))
        time.sleep(1.0)
        return geometry


class FailsAfterPreview(FitzHughNagumoCable):
    def build_model(self):
        geometry = super().build_model()
        self.show_preview(self.morphology_preview(geometry, "building the cable"))
        raise ValueError("cell.swc, line 9: broken after its preview")
