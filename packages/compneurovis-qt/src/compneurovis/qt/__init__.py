"""CompNeuroVis qt package (being built)."""

__all__: list[str] = []
