"""`make predict ckpt_path=<…> input=<file or folder>`: predictions.csv for new inputs."""

from dlkit.cli.from_checkpoint import checkpoint_command

main = checkpoint_command("predict", "dlkit.saved.predict:predict")

if __name__ == "__main__":
    main()
