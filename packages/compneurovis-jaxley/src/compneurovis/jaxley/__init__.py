"""CompNeuroVis jaxley package (being built)."""

__all__: list[str] = []
