"""`make explain ckpt_path=<…/checkpoints/file.ckpt> [input=…]`: attributions of predictions."""

from dlkit.cli.from_checkpoint import checkpoint_command

main = checkpoint_command("explain", "dlkit_audit.explain:explain")

if __name__ == "__main__":
    main()
