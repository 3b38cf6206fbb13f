"""`make batch-size-find [overrides]`: Lightning's batch-size finder on the run's data and model."""

from dlkit.cli.from_checkpoint import checkpoint_command

# the same thin Hydra main as the checkpoint commands: compose, check, run the flow
main = checkpoint_command("batch_size_find", "dlkit_diagnostics.tuning:batch_size_find_command")

if __name__ == "__main__":
    main()
