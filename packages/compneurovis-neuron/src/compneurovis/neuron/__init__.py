"""CompNeuroVis neuron package (being built)."""

__all__: list[str] = []
