"""One thin Hydra entry point per make target: compose the config, check it, hand it on.

Torch and Lightning are imported only after composition, so `--help`, `--cfg job` and config
errors answer at once.
"""
