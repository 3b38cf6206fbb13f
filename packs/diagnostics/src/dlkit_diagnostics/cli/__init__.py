"""The diagnostics pack's entry points: `make lr-find`, `make batch-size-find`, `make compare`."""
