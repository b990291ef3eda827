"""Runnable examples of compneurovis-core."""
