"""Example NEURON sessions; run one headless with ``python -m compneurovis.neuron.examples.<name>``.

- ``hh``: a Hodgkin-Huxley soma with a passive dendrite and a current-clamp slider.
- ``swc``: the shipped CA1 pyramidal cell reconstruction with periodic current pulses.
- ``network``: ball-and-stick cells in a ring, connected by ``ExpSyn`` synapses.
"""
