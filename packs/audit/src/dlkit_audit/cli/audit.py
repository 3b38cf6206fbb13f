"""`make audit ckpt_path=<…/checkpoints/file.ckpt> [audit.group_column=…]`: a checkpoint's test
split audited: calibration, the most confident mistakes, metrics per group."""

from dlkit.cli.from_checkpoint import checkpoint_command

main = checkpoint_command("audit", "dlkit_audit.audit:audit")

if __name__ == "__main__":
    main()
