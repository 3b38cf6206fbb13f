"""Held-out evaluation reports: per-class tables, curves and plots, and the console tables."""
