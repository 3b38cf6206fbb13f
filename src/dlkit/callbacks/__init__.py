"""Lightning callbacks, one a file: reusable outside `make train` (plug them into any Trainer)."""
