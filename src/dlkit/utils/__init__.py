"""Helpers shared by the entry points. Nothing here imports torch at module level."""
