"""The diagnostics pack: training diagnostics: gradient flow, the learning-rate and batch-size finders, a training clock, `make compare` of runs."""
