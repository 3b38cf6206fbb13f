"""The training flow, top-down: run (the run folder) -> folds -> fit -> build (the objects)."""
