"""Runnable Jaxley example sessions (``python -m compneurovis.jaxley.examples.<name>``).

- `swc_cell`: a CA1 pyramidal cell read with Jaxley's SWC reader, HH channels
  and a live stimulus-amplitude slider (demo ``jaxley-swc``).
- `small_network`: three small cells chained by ionotropic synapses
  (demo ``jaxley-network``).
- `fit_cell`: gradient descent recovering hidden HH conductances of a
  121-compartment cell, watched live (demo ``jaxley-fit``).
"""
