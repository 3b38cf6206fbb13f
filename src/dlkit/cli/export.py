"""`make export ckpt_path=<…> format=onnx|torchscript`: a deployable model file, checked."""

from dlkit.cli.from_checkpoint import checkpoint_command

main = checkpoint_command("export", "dlkit.saved.export:export")

if __name__ == "__main__":
    main()
