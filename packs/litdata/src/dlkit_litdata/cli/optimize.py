"""`make optimize data=<data config> [data.…=…] out=data/chunks/<name> [overwrite=true]`: the data
module's train, val and test splits written as LitData chunks (`dlkit_litdata.optimize`)."""

from dlkit.cli.from_checkpoint import checkpoint_command

# the same thin Hydra main as the checkpoint commands: compose, check, run the flow
main = checkpoint_command("optimize", "dlkit_litdata.optimize:optimize_command")

if __name__ == "__main__":
    main()
