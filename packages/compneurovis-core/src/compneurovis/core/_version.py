"""The version shared by every CompNeuroVis distribution (moved by scripts/bump_version.py)."""

__version__ = "0.1.0"
