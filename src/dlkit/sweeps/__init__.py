"""Sweeps: the Optuna trial a job runs, the sweep summary and the fold aggregate at the multirun root.

The sweepers themselves are Hydra plugins (`src/hydra_plugins/dlkit_sweepers/`).
"""
