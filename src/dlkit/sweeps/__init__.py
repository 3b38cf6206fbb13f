"""Sweeps: the Optuna trial a job runs, pruning, and the summary written at the multirun root.

The sweepers themselves are Hydra plugins (`src/hydra_plugins/dlkit_sweepers/`).
"""
