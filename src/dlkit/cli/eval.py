"""`make eval ckpt_path=<…/checkpoints/file.ckpt>`: a checkpoint scored again on the test split."""

from dlkit.cli.from_checkpoint import checkpoint_command

main = checkpoint_command("eval", "dlkit.saved.evaluate:evaluate")

if __name__ == "__main__":
    main()
