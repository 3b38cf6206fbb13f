"""The diagnostics pack: gradient flow, the learning-rate and batch-size finders, a training
clock, and `make compare` of runs."""
