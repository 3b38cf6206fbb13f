"""`make lr-find [overrides]`: Lightning's learning-rate finder on the run's data and model."""

from dlkit.cli.from_checkpoint import checkpoint_command

# the same thin Hydra main as the checkpoint commands: compose, check, run the flow
main = checkpoint_command("lr_find", "dlkit_diagnostics.tuning:lr_find_command")

if __name__ == "__main__":
    main()
