"""Hydra sweepers of this template: `hydra/sweeper=grid` (the default) and `hydra/sweeper=optuna`,
their settings in configs/hydra/sweeper/.

Hydra finds plugins only inside the `hydra_plugins` package; it imports every module here at
start-up, so nothing here imports torch or optuna at module level.
"""
