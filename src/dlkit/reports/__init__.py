"""What a run reports: held-out scores, the pictures of a run, fold aggregates and console tables."""
